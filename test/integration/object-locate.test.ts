// `strata object locate` against real storage nodes: where an object should be and where it is.
// Needs `npm run build`.
import t from 'tap';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { startTestCluster } from './cluster.js';
import type { LocateReport } from '../../cluster/index.js';

const CLI = resolve(import.meta.dirname, '..', '..', 'dist', 'tools', 'strata.js');

function strata(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const p = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
    p.on('close', (code) => { clearTimeout(timer); res({ code, stdout, stderr }); });
  });
}

t.test('strata object locate shows partition, replicas and what each device holds', async (t) => {
  const c = await startTestCluster(t, { nodes: 4, replicas: 3 });
  const { cluster } = await c.openCluster();
  const file = await c.writeClusterFile();
  await cluster.putContainer({ account: 'AUTH_l', container: 'c' }, {});
  const put = await cluster.putObject({ account: 'AUTH_l', container: 'c', object: 'dir/o', body: Readable.from([Buffer.from('hello world')]), contentType: 'text/plain', metadata: {} });

  const text = await strata(['object', 'locate', '/AUTH_l/c/dir/o', '--cluster', file]);
  t.equal(text.code, 0, text.stderr);
  t.match(text.stdout, /Object\s+\/AUTH_l\/c\/dir\/o/);
  t.match(text.stdout, /3 of 3 primaries hold it/);
  t.match(text.stdout, new RegExp(`timestamp ${put.timestamp.replace('.', '\\.')}`));
  t.match(text.stdout, new RegExp(`etag ${put.etag}`));

  const json = await strata(['object', 'locate', '/AUTH_l/c/dir/o', '--cluster', file, '--json', '--handoffs', '1']);
  t.equal(json.code, 0, json.stderr);
  const rep = JSON.parse(json.stdout) as LocateReport;
  t.equal(rep.replicas.length, 4);
  t.equal(rep.replicas.filter((r) => r.state === 'found').length, 3);
  const primaryPorts = rep.replicas.filter((r) => r.role === 'primary').map((r) => r.device.port);

  // One primary down: reported as an error, the command still succeeds.
  const down = c.nodes.findIndex((n) => n.port === primaryPorts[0]);
  await c.kill(down);
  const degraded = await strata(['object', 'locate', '/AUTH_l/c/dir/o', '--cluster', file, '--timeout', '1000']);
  t.equal(degraded.code, 0, degraded.stderr);
  t.match(degraded.stdout, /2 of 3 primaries hold it/);
  t.match(degraded.stdout, /error\s+UNAVAILABLE/);

  const missing = await strata(['object', 'locate', '/AUTH_l/c/nothing', '--cluster', file, '--timeout', '1000']);
  t.equal(missing.code, 3, 'not on any device: exit 3');
  t.match(missing.stderr, /^strata: Cannot find object "\/AUTH_l\/c\/nothing"/);
  const bad = await strata(['object', 'locate', '/only-account', '--cluster', file]);
  t.equal(bad.code, 2, 'bad path: exit 2');
  t.match(bad.stderr, /Cannot parse object path/);
  const noCluster = await strata(['object', 'locate', '/a/c/o', '--cluster', join(c.dir, 'absent.json')]);
  t.equal(noCluster.code, 3);
  t.match(noCluster.stderr, /Cannot read cluster file/);
});
