/**
 * The real storage-node process (`node dist/tools/strata.js storage-node`): writes survive a
 * SIGKILL and a restart, SIGTERM stops it cleanly, a bad config fails with every problem on one
 * line. Run `npm run build` first.
 */
import t, { type Test } from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buffer } from 'node:stream/consumers';
import { formatTimestamp } from '../../common/index.js';
import { NodeClient, DEFAULT_NODE_CLIENT_CONFIG, type TargetMsg } from '../../cluster/index.js';
import { freePort } from '../../common/testing/free-port.js';

const STRATA = fileURLToPath(new URL('../../dist/tools/strata.js', import.meta.url));
const SECRET = 'integration-secret';

function killIfRunning(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  try { process.kill(child.pid, 'SIGKILL'); } catch { /* already gone */ }
}

interface Proc { child: ChildProcess; port: number; exited: Promise<number | null> }

/** Spawns the node and waits (at most 20 s) for its "storage node ready" line. */
async function spawnNode(t: Test, configFile: string): Promise<Proc> {
  const child = spawn(process.execPath, [STRATA, 'storage-node', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => killIfRunning(child));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`storage node not ready in 20 s: ${out}`)), 20_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      for (const line of out.split('\n')) {
        if (!line.includes('storage node ready')) continue;
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
        return;
      }
    });
    child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
    void exited.then((code) => { clearTimeout(timer); reject(new Error(`storage node exited with ${code}: ${out}`)); });
  });
  return { child, port, exited };
}

t.test('storage-node process keeps acknowledged writes across SIGKILL and restart', async (t) => {
  const dir = t.testdir({});
  const port = await freePort();
  const configFile = join(dir, 'node.json');
  await writeFile(configFile, JSON.stringify({
    nodeId: 'it1', bindIp: '127.0.0.1', port, devices: [{ name: 'd1', path: 'd1' }], ringDir: 'rings',
    peerSecret: SECRET, hashSecret: 'hs', logLevel: 'info', updaterIntervalMs: 200,
  }));
  let proc = await spawnNode(t, configFile);
  t.equal(proc.port, port);
  const client = new NodeClient('127.0.0.1', port, { ...DEFAULT_NODE_CLIENT_CONFIG, peerSecret: SECRET });
  t.teardown(() => client.close());
  const cref = { device: 'd1', partition: 1, account: 'AUTH_t', container: 'c' };
  const self: TargetMsg = { ip: '127.0.0.1', port, device: 'd1', partition: 1 };
  await client.putContainer({ ref: cref, timestamp: formatTimestamp(Date.now()), metadata: {}, accountUpdates: [] });
  const names = Array.from({ length: 20 }, (_, i) => `obj-${i}`);
  for (const name of names) {
    const s = await client.putObject({
      ref: { ...cref, partition: 7, object: name }, contentType: 'text/plain', metadata: {}, deleteAtMs: 0,
      contentLength: -1, ifNoneMatchAny: false, containerUpdates: [self],
    });
    s.write(Buffer.from(`body of ${name}`));
    await s.finish({ timestamp: formatTimestamp(Date.now()), expectedEtag: '' });
  }
  if (proc.child.pid) process.kill(proc.child.pid, 'SIGKILL');
  await proc.exited;
  proc = await spawnNode(t, configFile);
  for (const name of names) {
    const got = await client.getObject({ ref: { ...cref, partition: 7, object: name }, ranged: false, rangeStart: 0, rangeEnd: -1, suffixLength: 0 });
    t.equal((await buffer(got.body)).toString(), `body of ${name}`);
  }
  const listed = await client.listContainer({ ...cref, prefix: '', delimiter: '', marker: '', endMarker: '', limit: 0, reverse: false });
  t.equal(listed.entries.length, names.length, 'listing rows survive the kill');
  if (proc.child.pid) process.kill(proc.child.pid, 'SIGTERM');
  t.equal(await proc.exited, 0, 'SIGTERM stops it cleanly');
});

t.test('storage-node process reports every config problem at once and exits 2', async (t) => {
  const dir = t.testdir({ 'bad.json': JSON.stringify({ port: 'x', devices: [] }) });
  const child = spawn(process.execPath, [STRATA, 'storage-node', '--config', join(dir, 'bad.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => killIfRunning(child));
  const stderr = buffer(child.stderr);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const text = (await stderr).toString();
  t.equal(code, 2);
  for (const key of ['nodeId', 'ringDir', 'peerSecret', 'devices', 'port']) t.match(text, key);
  t.equal(text.trim().split('\n').length, 1, 'one line');
});
