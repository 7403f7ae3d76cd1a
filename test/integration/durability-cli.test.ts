// `strata cluster health`, `dispersion` and `run-worker` against real storage nodes: healthy
// and 100% on a fresh cluster, problems and missing replicas with a node down, back to 100%
// after the node returns and replication runs. Needs `npm run build`.
import t from 'tap';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { startTestCluster } from './cluster.js';

const CLI = join(resolve(import.meta.dirname, '..', '..'), 'dist', 'tools', 'strata.js');

function strata(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const timer = setTimeout(() => p.kill('SIGKILL'), 60_000);
    p.once('error', rej);
    p.once('exit', (code) => { clearTimeout(timer); res({ code: code ?? -1, out, err }); });
  });
}

t.test('strata cluster health and dispersion follow a node outage and its repair', async (t) => {
  const c = await startTestCluster(t, { nodes: 4, replicas: 3, partPower: 5, nodeConfig: { durabilityWorkers: false } });
  const file = await c.writeClusterFile();

  const first = await strata(['cluster', 'dispersion', '--cluster', file, '--json', '--coverage', '50']);
  t.equal(first.code, 0, first.err);
  const d1 = JSON.parse(first.out) as { populated: number; objects: number; full: number; percentFull: number };
  t.equal(d1.populated, 16, 'sentinels written over half of the 32 partitions');
  t.equal(d1.percentFull, 100, 'all replicas present');

  const healthy = await strata(['cluster', 'health', '--cluster', file, '--json']);
  t.equal(healthy.code, 0, `healthy${healthy.err ? `: ${healthy.err}` : ''}`);
  const h1 = JSON.parse(healthy.out) as { nodesUp: number; rings: Record<string, { inUse: number[] }>; problems: string[] };
  t.equal(h1.nodesUp, 4);
  t.same(h1.problems, []);
  t.equal(h1.rings.object?.inUse.length, 1, 'one object ring version in use');

  await c.kill(3);
  const sick = await strata(['cluster', 'health', '--cluster', file]);
  t.equal(sick.code, 1, 'exit 1 when a node is down');
  t.match(sick.out, /Nodes up\s+3 of 4/);
  t.match(sick.out, /is down/);
  const during = JSON.parse((await strata(['cluster', 'dispersion', '--cluster', file, '--json', '--coverage', '50'])).out) as { populated: number; full: number; missing1: number; errors: number };
  t.equal(during.populated, 0, 'sentinels are written once');
  t.ok(during.missing1 > 0, `sentinels miss a replica while the node is down (${during.missing1})`);

  await c.restart(3);
  const run = await strata(['cluster', 'run-worker', 'replicator', '--cluster', file]);
  t.equal(run.code, 0, `run-worker succeeds${run.err ? `: ${run.err}` : ''}`);
  t.match(run.out, /replicator pass idle/);
  const after = JSON.parse((await strata(['cluster', 'dispersion', '--cluster', file, '--json', '--coverage', '50'])).out) as { percentFull: number };
  t.equal(after.percentFull, 100, '100% once the node is back');

  const bad = await strata(['cluster', 'run-worker', 'nope', '--cluster', file]);
  t.equal(bad.code, 2, 'an unknown worker is bad input');
  const nowhere = await strata(['cluster', 'health', '--cluster', join(c.dir, 'missing.json')]);
  t.equal(nowhere.code, 3, 'a missing cluster file is NOT_FOUND');
});
