/**
 * bench/block: the same fio jobs (nbd ioengine) against Strata's block gateway and against
 * nbdkit's file plugin serving a local file, side by side, with the targets.
 *
 *   node dist/bench/block/block-bench.js [--seconds 5] [--size-mib 256] [--uri nbd://host:port/vol]
 *     [--jobs seq-write-1M-qd8,rand-read-4k-qd32,...] [--cpu-prof DIR]
 *
 * Without --uri it starts its own Strata: three storage processes serving the extent service
 * (real gRPC, real files, separate processes) and the gateway in this process, whose memory is
 * sampled. Prints a table, then one JSON line per figure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { silentLogger } from '../../common/index.js';
import { ExtentClient, RegisterClient, StaticBlockPlacement, type BlockReplica } from '../../cluster/index.js';
import { startBlockGateway, VolumeManager } from '../../block/index.js';
import { fioJobs, runFio } from './fio-jobs.js';

const TARGETS: Record<string, number> = {
  'seq-write-1M-qd8': 0.5, 'seq-read-1M-qd8': 0.8, 'rand-read-4k-qd32': 0.8, 'rand-write-4k-qd32': 0.5,
};
const NODE_ENTRY = fileURLToPath(new URL('../../test/integration/block-extent-node.js', import.meta.url));
const SECRET = 'bench-secret';
/** --cpu-prof DIR: the storage processes write CPU profiles there (run the bench itself with
 * `node --cpu-prof` to profile the gateway). */
const profileDir = process.argv.includes('--cpu-prof') ? process.argv[process.argv.indexOf('--cpu-prof') + 1] : undefined;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const a = s.address();
  s.close();
  return typeof a === 'object' && a ? a.port : 0;
}

async function startStrata(root: string, sizeMiB: number) {
  const children: ChildProcess[] = [];
  const replicas: BlockReplica[] = [];
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const prof = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
    const child = spawn(process.execPath, [...prof, NODE_ENTRY, join(root, `n${i}`), String(port), SECRET], { stdio: ['ignore', 'pipe', 'inherit'] });
    await once(child.stdout as NodeJS.ReadableStream, 'data');
    children.push(child);
    replicas.push({ id: i, ip: '127.0.0.1', port, device: 'd1' });
  }
  const placement = new StaticBlockPlacement(replicas, 3);
  const extents = new ExtentClient({ peerSecret: SECRET });
  await new VolumeManager({ registers: new RegisterClient(extents, placement), extents, placement }).create('bench', sizeMiB * 1024 * 1024);
  const gw = await startBlockGateway({ port: 0, peerSecret: SECRET, placement, log: silentLogger() });
  return {
    uri: `nbd://127.0.0.1:${gw.port}/bench`,
    stop: async () => {
      await gw.close();
      extents.close();
      // SIGTERM lets a profiled node write its profile (it exits at once either way).
      await Promise.all(children.map(async (c) => {
        const exited = once(c, 'exit');
        c.kill(profileDir ? 'SIGTERM' : 'SIGKILL');
        await exited;
      }));
    },
  };
}

async function startNbdkit(root: string, sizeMiB: number) {
  const file = join(root, 'nbdkit.img');
  await writeFile(file, '');
  const { truncate } = await import('node:fs/promises');
  await truncate(file, sizeMiB * 1024 * 1024);
  const port = await freePort();
  const pidFile = join(root, 'nbdkit.pid');
  // nbdkit forks into the background and writes its pid; -f would tie it to our shell.
  const child = spawn('nbdkit', ['-P', pidFile, '-i', '127.0.0.1', '-p', String(port), 'file', `file=${file}`], { stdio: 'ignore' });
  await once(child, 'exit');
  let pid = 0;
  for (let i = 0; i < 50 && !pid; i++) {
    pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
    if (!pid) await new Promise((r) => setTimeout(r, 100));
  }
  if (!pid) throw new Error('nbdkit did not start');
  return { uri: `nbd://127.0.0.1:${port}/`, stop: async () => void process.kill(pid, 'SIGTERM') };
}

async function main(): Promise<void> {
  const seconds = Number(arg('seconds', '5'));
  const sizeMiB = Number(arg('size-mib', '256'));
  const root = await mkdtemp(join(tmpdir(), 'strata-block-bench-'));
  let maxRss = 0;
  const sampler = setInterval(() => (maxRss = Math.max(maxRss, process.memoryUsage().rss)), 200);
  const external = process.argv.includes('--uri') ? arg('uri', '') : undefined;
  const rows: Array<{ job: string; metric: string; strata: number; nbdkit: number }> = [];
  let strata = { uri: external ?? '', stop: async (): Promise<void> => undefined };
  let nbdkit = { uri: '', stop: async (): Promise<void> => undefined };
  try {
    if (!external) strata = await startStrata(root, sizeMiB);
    nbdkit = await startNbdkit(root, sizeMiB);
    const only = arg('jobs', '').split(',').filter(Boolean);
    for (const job of fioJobs(seconds, sizeMiB).filter((j) => only.length === 0 || only.includes(j.name))) {
      const s = await runFio(job, strata.uri);
      const n = await runFio(job, nbdkit.uri);
      rows.push({ job: job.name, metric: job.metric, strata: s, nbdkit: n });
      process.stderr.write(`${job.name}: strata ${s.toFixed(1)} nbdkit ${n.toFixed(1)} ${job.metric}\n`);
    }
  } finally {
    clearInterval(sampler);
    await strata.stop();
    await nbdkit.stop();
    await rm(root, { recursive: true, force: true });
  }
  const lines = [`${'job'.padEnd(22)}${'metric'.padEnd(9)}${'strata'.padStart(10)}${'nbdkit'.padStart(10)}${'ratio'.padStart(8)}  target`];
  for (const r of rows) {
    const ratio = r.metric === 'us p50' ? r.nbdkit / r.strata : r.strata / r.nbdkit;
    const target = TARGETS[r.job];
    const verdict = target === undefined ? '-' : `>= ${target}x ${ratio >= target ? 'met' : 'MISSED'}`;
    lines.push(`${r.job.padEnd(22)}${r.metric.padEnd(9)}${r.strata.toFixed(1).padStart(10)}${r.nbdkit.toFixed(1).padStart(10)}${ratio.toFixed(2).padStart(8)}  ${verdict}`);
  }
  if (!external) lines.push(`gateway peak RSS ${(maxRss / 2 ** 20).toFixed(0)} MiB (target < 512 MiB)`);
  process.stdout.write(`${lines.join('\n')}\n`);
  for (const r of rows) process.stdout.write(`${JSON.stringify({ bench: 'block', ...r })}\n`);
  if (!external) process.stdout.write(`${JSON.stringify({ bench: 'block', job: 'gateway-rss', metric: 'MiB', strata: maxRss / 2 ** 20 })}\n`);
}

await main();
