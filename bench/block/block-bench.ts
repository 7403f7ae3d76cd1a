/**
 * bench/block: the same fio jobs (nbd ioengine) against Strata's block gateway and against
 * nbdkit's file plugin serving a local file, side by side, with the targets.
 *
 *   node dist/bench/block/block-bench.js [--seconds 5] [--size-mib 256] [--uri nbd://host:port/vol]
 *     [--jobs seq-write-1M-qd8,rand-read-4k-qd32,...] [--cpu-prof DIR] [--no-gc-flags]
 *
 * Without --uri it starts its own Strata: three storage processes serving the extent service
 * (real gRPC, real files, separate processes) and the gateway in this process, whose memory is
 * sampled, and the CPU time the gateway and the three storage processes spent on each Strata job
 * (ms per MiB moved, or µs per request for 4 KiB jobs; far steadier than MB/s on a shared host).
 * The gateway (this process, re-executed if needed) and the storage processes run with
 * SERVER_EXEC_ARGV (common/server-v8-flags.ts) unless --no-gc-flags.
 * Prints a table, then one JSON line per figure.
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
import { SERVER_EXEC_ARGV, hasServerFlags } from '../../common/index.js';
import { fioJobs, runFio, type FioJob, type FioRun } from './fio-jobs.js';

const TARGETS: Record<string, number> = {
  'seq-write-1M-qd8': 0.5, 'seq-read-1M-qd8': 0.8, 'rand-read-4k-qd32': 0.8, 'rand-write-4k-qd32': 0.5,
};
const NODE_ENTRY = fileURLToPath(new URL('../../test/integration/block-extent-node.js', import.meta.url));
const SECRET = 'bench-secret';
/** --cpu-prof DIR: the storage processes write CPU profiles there (run the bench itself with
 * `node --cpu-prof` to profile the gateway). */
const profileDir = process.argv.includes('--cpu-prof') ? process.argv[process.argv.indexOf('--cpu-prof') + 1] : undefined;

/** --no-gc-flags: run the gateway and storage processes without SERVER_EXEC_ARGV (to compare). */
const gcFlags = process.argv.includes('--no-gc-flags') ? [] : [...SERVER_EXEC_ARGV];

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
    const child = spawn(process.execPath, [...gcFlags, ...prof, NODE_ENTRY, join(root, `n${i}`), String(port), SECRET], { stdio: ['ignore', 'pipe', 'inherit'] });
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
    nodePids: children.map((c) => c.pid ?? 0),
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
  return { uri: `nbd://127.0.0.1:${port}/`, nodePids: [] as number[], stop: async () => void process.kill(pid, 'SIGTERM') };
}

/** CPU time (ms, user + system) a process has used so far, from /proc (0 when unreadable). */
async function procCpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // Fields after the parenthesised command name: state is field 3, utime 14, stime 15 (clock ticks).
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(rest[11]) || 0) + (Number(rest[12]) || 0)) * 10;
}

function gatewayCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** CPU the gateway (this process) and the storage processes spent on one fio run. */
interface CpuCost { gatewayMs: number; nodesMs: number }

/** Runs a job against Strata and measures what CPU it cost, per MiB (MB/s jobs) or per request (IOPS). */
async function runMeasured(job: FioJob, uri: string, nodePids: number[]): Promise<FioRun & CpuCost> {
  const nodesBefore = await Promise.all(nodePids.map(procCpuMs));
  const gwBefore = gatewayCpuMs();
  const run = await runFio(job, uri);
  const gatewayMs = gatewayCpuMs() - gwBefore;
  const nodesAfter = await Promise.all(nodePids.map(procCpuMs));
  const nodesMs = nodesAfter.reduce((n, v, i) => n + v - nodesBefore[i], 0);
  return { ...run, gatewayMs, nodesMs };
}

/** "gw / nodes" CPU cost: ms per MiB for throughput jobs, µs per request otherwise. */
function costText(job: FioJob, r: FioRun & CpuCost): string {
  if (job.metric === 'MB/s') {
    const mib = r.bytes / 2 ** 20 || 1;
    return `${(r.gatewayMs / mib).toFixed(1)} / ${(r.nodesMs / mib).toFixed(1)} ms/MiB`;
  }
  const ios = r.ios || 1;
  return `${((r.gatewayMs * 1000) / ios).toFixed(0)} / ${((r.nodesMs * 1000) / ios).toFixed(0)} us/req`;
}

async function main(): Promise<void> {
  const seconds = Number(arg('seconds', '5'));
  const sizeMiB = Number(arg('size-mib', '256'));
  const root = await mkdtemp(join(tmpdir(), 'strata-block-bench-'));
  let maxRss = 0;
  const sampler = setInterval(() => (maxRss = Math.max(maxRss, process.memoryUsage().rss)), 200);
  const external = process.argv.includes('--uri') ? arg('uri', '') : undefined;
  const rows: Array<{ job: string; metric: string; strata: number; nbdkit: number; cpu: string }> = [];
  let strata = { uri: external ?? '', nodePids: [] as number[], stop: async (): Promise<void> => undefined };
  let nbdkit = { uri: '', stop: async (): Promise<void> => undefined };
  try {
    if (!external) strata = await startStrata(root, sizeMiB);
    nbdkit = await startNbdkit(root, sizeMiB);
    const only = arg('jobs', '').split(',').filter(Boolean);
    for (const job of fioJobs(seconds, sizeMiB).filter((j) => only.length === 0 || only.includes(j.name))) {
      const measured = await runMeasured(job, strata.uri, strata.nodePids);
      const s = measured.value;
      const n = (await runFio(job, nbdkit.uri)).value;
      const cpu = external ? '-' : costText(job, measured);
      rows.push({ job: job.name, metric: job.metric, strata: s, nbdkit: n, cpu });
      process.stderr.write(`${job.name}: strata ${s.toFixed(1)} nbdkit ${n.toFixed(1)} ${job.metric} (cpu gw/nodes ${cpu})\n`);
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
    lines.push(`${r.job.padEnd(22)}${r.metric.padEnd(9)}${r.strata.toFixed(1).padStart(10)}${r.nbdkit.toFixed(1).padStart(10)}${ratio.toFixed(2).padStart(8)}  ${verdict.padEnd(16)}  cpu gw/nodes ${r.cpu}`);
  }
  if (!external) lines.push(`gateway peak RSS ${(maxRss / 2 ** 20).toFixed(0)} MiB (target < 512 MiB)`);
  process.stdout.write(`${lines.join('\n')}\n`);
  for (const r of rows) process.stdout.write(`${JSON.stringify({ bench: 'block', ...r })}\n`);
  if (!external) process.stdout.write(`${JSON.stringify({ bench: 'block', job: 'gateway-rss', metric: 'MiB', strata: maxRss / 2 ** 20 })}\n`);
}

/**
 * The gateway runs in this process, so it needs the data-path V8 flags on its own command line:
 * without them, start again with them (they cannot be set at run time).
 */
async function reexecWithFlags(): Promise<boolean> {
  if (gcFlags.length === 0 || hasServerFlags()) return false;
  const child = spawn(process.execPath, [...gcFlags, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  const [code] = (await once(child, 'exit')) as [number | null];
  process.exitCode = code ?? 1;
  return true;
}

if (!(await reexecWithFlags())) await main();
