import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { silentLogger } from '../../common/index.js';
import { startBlockGateway, type BlockGateway } from '../../block/index.js';
import { BlockTestNodes, TEST_PEER_SECRET } from './block-nodes.js';
import { VolumeManager } from '../../block/index.js';
import { client } from './block-harness.js';

const run = promisify(execFile);
const PSK_HEX = '0123456789abcdef0123456789abcdef';
let dir: string;
let nodes: BlockTestNodes;

t.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-tls-'));
  nodes = await BlockTestNodes.start(3);
  const manager = new VolumeManager({ registers: nodes.registers, extents: nodes.extents, placement: nodes.placement });
  await manager.create('secure', 8 * 1024 * 1024);
});
t.teardown(async () => {
  await nodes.close();
  await rm(dir, { recursive: true, force: true });
});

async function gateway(tls: Parameters<typeof startBlockGateway>[0]['tls']): Promise<BlockGateway> {
  return startBlockGateway({ port: 0, peerSecret: TEST_PEER_SECRET, placement: nodes.placement, log: silentLogger(), tls });
}

t.test('STARTTLS with certificates: TLS clients work, plain clients are told TLS is required', async (t) => {
  const certs = join(dir, 'certs');
  await run('mkdir', ['-p', certs]);
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(certs, 'server-key.pem'), '-out', join(certs, 'server-cert.pem')]);
  await writeFile(join(certs, 'ca-cert.pem'), await readFile(join(certs, 'server-cert.pem')));
  const gw = await gateway({ socketOptions: { cert: await readFile(join(certs, 'server-cert.pem')), key: await readFile(join(certs, 'server-key.pem')) } });
  t.teardown(() => gw.close());
  const out = await client('/usr/bin/nbdsh', ['-c', `
h.set_uri_allow_local_file(True)
h.connect_uri("nbds://127.0.0.1:${gw.port}/secure?tls-certificates=${certs}")
h.pwrite(b"s" * 4096, 0)
assert h.pread(4096, 0) == b"s" * 4096
assert h.get_tls_negotiated()
print("ok")
`]);
  t.match(out, /ok/);
  const plain = await client('nbdinfo', [`nbd://127.0.0.1:${gw.port}/secure`]).catch((e: Error) => e.message);
  // libnbd reports NBD_REP_ERR_TLS_REQD as ENOTSUP.
  t.match(plain, /failed: .*Operation not supported/);
});

t.test('STARTTLS with a pre-shared key', async (t) => {
  const psk = join(dir, 'keys.psk');
  await writeFile(psk, `alice:${PSK_HEX}\n`);
  const gw = await gateway({
    socketOptions: {
      minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'PSK',
      pskCallback: (_s: unknown, id: string) => (id === 'alice' ? Buffer.from(PSK_HEX, 'hex') : null),
    } as never,
  });
  t.teardown(() => gw.close());
  const out = await client('/usr/bin/nbdsh', ['-c', `
h.set_uri_allow_local_file(True)
h.connect_uri("nbds://alice@127.0.0.1:${gw.port}/secure?tls-psk-file=${psk}")
assert h.get_tls_negotiated()
assert h.pread(4096, 0) == b"s" * 4096
print("ok")
`]);
  t.match(out, /ok/);
});

t.test('a gateway refuses to listen beyond loopback without TLS', async (t) => {
  await t.rejects(startBlockGateway({ host: '0.0.0.0', port: 0, peerSecret: 'x', placement: nodes.placement }), { code: 'INVALID_ARGUMENT' });
});
