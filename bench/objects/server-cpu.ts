/**
 * CPU seconds and RSS of the server processes, read from /proc: the processes named by
 * `<dir>/*.pid` files (Strata's <data>/run, the Swift peer's run folder) plus all their
 * descendants (Swift's forked workers), or the matches of a `pgrep -f` pattern.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the server PIDs come from. */
export type PidSource = { pidDir: string } | { pgrep: string };

export interface CpuSnapshot { cpuSec: number; rssMiB: number; pids: number }

const TICKS_PER_SEC = clockTicks();
const PAGE_BYTES = 4096;

function clockTicks(): number {
  try { return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100; } catch { return 100; }
}

interface Stat { pid: number; ppid: number; ticks: number; rssPages: number }

function readStat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; fields after its closing parenthesis are fixed.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]), rssPages: Number(rest[21]) };
  } catch {
    return undefined;
  }
}

function allStats(): Stat[] {
  const out: Stat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s) out.push(s);
  }
  return out;
}

function rootPids(source: PidSource): number[] {
  if ('pidDir' in source) {
    let files: string[] = [];
    try { files = readdirSync(source.pidDir).filter((f) => f.endsWith('.pid')); } catch { return []; }
    return files.map((f) => Number(readFileSync(join(source.pidDir, f), 'utf8').trim())).filter((p) => p > 0);
  }
  try {
    return execFileSync('pgrep', ['-f', source.pgrep], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Sums CPU time (user + system) and RSS over the source's processes and their descendants. */
export function snapshotCpu(source: PidSource): CpuSnapshot {
  const stats = allStats();
  const byParent = new Map<number, Stat[]>();
  for (const s of stats) byParent.set(s.ppid, [...(byParent.get(s.ppid) ?? []), s]);
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  const chosen = new Map<number, Stat>();
  const todo = rootPids(source);
  // Bounded by the number of processes on the machine: each PID is visited once.
  while (todo.length > 0) {
    const pid = todo.pop() as number;
    const s = byPid.get(pid);
    if (!s || chosen.has(pid)) continue;
    chosen.set(pid, s);
    for (const child of byParent.get(pid) ?? []) todo.push(child.pid);
  }
  let ticks = 0;
  let pages = 0;
  for (const s of chosen.values()) { ticks += s.ticks; pages += s.rssPages; }
  return { cpuSec: ticks / TICKS_PER_SEC, rssMiB: (pages * PAGE_BYTES) / (1024 * 1024), pids: chosen.size };
}
