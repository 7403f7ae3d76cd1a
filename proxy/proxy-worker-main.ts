/**
 * Entry of one proxy worker process forked by proxy-workers.ts: argv[2] is the config file. It
 * runs a whole proxy on the shared port and stops cleanly on SIGTERM/SIGINT; it exits when
 * the primary goes away (node:cluster closes the channel).
 */
import cluster from 'node:cluster';
import { closeOnSignals } from '../common/index.js';
import { startProxy } from './main.js';

const configFile = process.argv[2];
if (!cluster.isWorker || !configFile) {
  process.stderr.write('proxy-worker-main: run by the proxy primary only\n');
  process.exit(2);
}
const proxy = await startProxy(configFile).catch((err: unknown) => {
  process.stderr.write(`strata proxy worker: ${(err as Error).message}\n`);
  process.exit(1);
});
closeOnSignals(() => proxy.close());
