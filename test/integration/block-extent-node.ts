/**
 * A storage-node stand-in for block tests that kill processes: one process serving only the
 * extent service over one device folder. Usage: node block-extent-node.js DIR PORT SECRET.
 * Prints "extent node ready PORT" once it serves.
 */
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { silentLogger } from '../../common/index.js';
import { addExtentService } from '../../storage-node/extent-service.js';

const [dir, portText, secret] = process.argv.slice(2);
const server = new Server({ 'grpc.max_receive_message_length': 8 * 1024 * 1024 });
addExtentService(server, { devices: [{ name: 'd1', path: dir }], peerSecret: secret, log: silentLogger() });
server.bindAsync(`127.0.0.1:${portText}`, ServerCredentials.createInsecure(), (err, port) => {
  if (err) {
    process.stderr.write(`cannot bind: ${err.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`extent node ready ${port}\n`);
});
// Exit cleanly on SIGTERM/SIGINT (lets --cpu-prof write its profile); tests use SIGKILL.
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => process.exit(0));
