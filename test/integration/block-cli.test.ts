/**
 * The `strata volume` commands and the `strata block-gateway` process against a cluster of
 * extent-serving storage processes placed by a real block ring: output, exit codes and errors.
 */
import t from 'tap';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { RingBuilder, ringFilePath } from '../../ring/index.js';
import { freePort, STRATA_ENTRY } from './all-in-one.js';
import { client } from './block-harness.js';

const run = promisify(execFile);
const SECRET = 'cli-test-secret';
const NODE_ENTRY = fileURLToPath(new URL('../../dist/test/integration/block-extent-node.js', import.meta.url));

async function strata(args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [STRATA_ENTRY, ...args], { timeout: 30_000 });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : 1, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
}

t.test('strata volume and strata block-gateway work against a ring of storage processes', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'strata-cli-'));
  const children: ChildProcess[] = [];
  t.teardown(async () => {
    for (const c of children) c.kill('SIGKILL');
    await rm(root, { recursive: true, force: true });
  });
  const builder = RingBuilder.create({ partPower: 6, replicas: 3, minPartHours: 0 });
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const child = spawn(process.execPath, [NODE_ENTRY, join(root, `n${i}`), String(port), SECRET], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    await new Promise((resolve) => child.stdout?.once('data', resolve));
    builder.addDevice({ region: 1, zone: i + 1, ip: '127.0.0.1', port, device: 'd1', weight: 100, meta: '' });
  }
  builder.rebalance({ seed: 1 });
  await mkdir(join(root, 'rings'));
  await builder.writeRing(ringFilePath(join(root, 'rings'), 'block'));
  const gwPort = await freePort();
  const clusterFile = join(root, 'cluster.json');
  await writeFile(clusterFile, JSON.stringify({ ringDir: 'rings', peerSecret: SECRET, proxyUrl: 'http://127.0.0.1:1', blockGateway: `127.0.0.1:${gwPort}` }));
  const c = ['--cluster', clusterFile];

  const created = await strata(['volume', 'create', 'db', '--size', '64M', ...c]);
  t.equal(created.code, 0, created.err);
  t.match(created.out, /Created volume db\s+64 MiB/);
  const dup = await strata(['volume', 'create', 'db', '--size', '1G', ...c]);
  t.equal(dup.code, 4);
  t.match(dup.err, /^strata: Cannot create volume "db": it exists\n$/);
  t.equal((await strata(['volume', 'create', 'x', '--size', 'lots', ...c])).code, 2, 'bad size');
  t.equal((await strata(['volume', 'create', 'bad/name', '--size', '1M', ...c])).code, 2, 'bad name');
  const missing = await strata(['volume', 'show', 'nope', ...c]);
  t.equal(missing.code, 3);
  t.match(missing.err, /Cannot find volume "nope"/);

  const gw = spawn(process.execPath, [STRATA_ENTRY, 'block-gateway', ...c], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(gw);
  let gwOut = '';
  gw.stdout.on('data', (b: Buffer) => (gwOut += b.toString()));
  const deadline = Date.now() + 20_000;
  while (!/block gateway listening/.test(gwOut) && Date.now() < deadline && gw.exitCode === null) await new Promise((r) => setTimeout(r, 100));
  t.match(gwOut, /block gateway listening/);
  const uri = `nbd://127.0.0.1:${gwPort}/db`;
  await client('qemu-io', ['-f', 'raw', '-c', 'write -P 0x42 0 1M', uri]);

  const snap = await strata(['volume', 'snapshot', 'db', 'before', ...c]);
  t.equal(snap.code, 0, snap.err);
  const clone = await strata(['volume', 'clone', 'db@before', 'db2', ...c]);
  t.equal(clone.code, 0, clone.err);
  const readClone = await client('qemu-io', ['-f', 'raw', '-c', 'read -P 0x42 0 1M', `nbd://127.0.0.1:${gwPort}/db2`]);
  t.notMatch(readClone, /verification failed/i);
  const list = await strata(['volume', 'list', '--json', ...c]);
  const parsed = JSON.parse(list.out) as { volumes: Array<{ name: string }>; snapshots: Array<{ name: string }> };
  t.same(parsed.volumes.map((v) => v.name).sort(), ['db', 'db2']);
  t.same(parsed.snapshots.map((s) => s.name), ['before']);
  const extended = await strata(['volume', 'extend', 'db', '--size', '128M', ...c]);
  t.equal(extended.code, 0, extended.err);
  t.equal((await strata(['volume', 'extend', 'db', '--size', '1M', ...c])).code, 2, 'shrinking is refused');
  const show = await strata(['volume', 'show', 'db', ...c]);
  t.match(show.out, /size\s+128 MiB/);
  t.match(show.out, /snapshots\s+before/);

  const dependent = await strata(['volume', 'delete', 'db@before', ...c]);
  t.equal(dependent.code, 4);
  t.match(dependent.err, /has dependent clones \("db2"\)/);
  t.equal((await strata(['volume', 'delete', 'db2', ...c])).code, 0);
  const snapDeleted = await strata(['volume', 'delete', 'db@before', '--json', ...c]);
  t.equal(snapDeleted.code, 0, snapDeleted.err);
  const freed = JSON.parse(snapDeleted.out) as { freedLayers: string[]; freedExtents: number };
  t.ok(Array.isArray(freed.freedLayers) && Number.isInteger(freed.freedExtents), `the snapshot delete reports what it freed (${snapDeleted.out.trim()})`);
  const gone = await strata(['volume', 'delete', 'ghost', ...c]);
  t.equal(gone.code, 3);
});
