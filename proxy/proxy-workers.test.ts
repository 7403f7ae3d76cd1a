import t from 'tap';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { silentLogger } from '../common/index.js';
import { freePort } from '../common/testing/free-port.js';
import { startProxyWorkers } from './proxy-workers.js';

// The workers here are small plain scripts: a real worker (proxy-worker-main) is a whole proxy,
// exercised through the built all-in-one by the integration tests.
const SERVER = `import http from 'node:http';
import { readFileSync } from 'node:fs';
const { port } = JSON.parse(readFileSync(process.argv[2], 'utf8'));
http.createServer((req, res) => res.end(String(process.pid))).listen(port, '127.0.0.1');
process.once('SIGTERM', () => process.exit(0));
`;

async function pidOf(url: string): Promise<number> {
  const res = await fetch(url, { headers: { connection: 'close' } });
  return Number(await res.text());
}

t.test('startProxyWorkers() forks workers sharing one port and stops them all', async (t) => {
  const dir = t.testdir({ 'worker.mjs': SERVER, 'proxy.json': JSON.stringify({ port: 0 }) });
  const proxy = await startProxyWorkers(join(dir, 'proxy.json'), 2, silentLogger(), { exec: join(dir, 'worker.mjs'), execArgv: [] });
  let closed = false;
  t.teardown(() => (closed ? undefined : proxy.close()));
  t.match(proxy.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const seen = new Set<number>();
  for (let i = 0; i < 10 && seen.size < 2; i++) seen.add(await pidOf(proxy.url));
  t.equal(seen.size, 2, 'connections are dealt to both workers');
  t.notOk(seen.has(process.pid), 'the primary serves nothing itself');
  await proxy.close();
  closed = true;
  for (const pid of seen) t.throws(() => process.kill(pid, 0), `worker ${pid} exited`);
});

t.test('startProxyWorkers() replaces a worker that dies', async (t) => {
  // A fixed port, as a real proxy has: the primary listens afresh when the last worker went.
  const dir = t.testdir({ 'worker.mjs': SERVER, 'proxy.json': JSON.stringify({ port: await freePort() }) });
  const proxy = await startProxyWorkers(join(dir, 'proxy.json'), 1, silentLogger(), { exec: join(dir, 'worker.mjs'), execArgv: [] });
  t.teardown(() => proxy.close());
  const first = await pidOf(proxy.url);
  process.kill(first, 'SIGKILL');
  let next = first;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && (next === first || Number.isNaN(next))) {
    await new Promise((r) => setTimeout(r, 200));
    next = await pidOf(proxy.url).catch(() => first);
  }
  t.not(next, first, 'a new worker serves the port');
});

t.test('startProxyWorkers() fails when a worker exits before listening', async (t) => {
  const dir = t.testdir({ 'worker.mjs': 'process.exit(3);\n' });
  await writeFile(join(dir, 'proxy.json'), '{}');
  await t.rejects(startProxyWorkers(join(dir, 'proxy.json'), 2, silentLogger(), { exec: join(dir, 'worker.mjs'), execArgv: [] }),
    { code: 'UNAVAILABLE', message: /exited with code 3 before listening/ });
});
