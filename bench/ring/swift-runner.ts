/**
 * Runs a layout through Swift's RingBuilder by spawning Debian's /usr/bin/python3 on
 * swift-ring-bench.py with the same devices and changes as our run.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scenarioOf, type BenchLayout } from './layouts.js';
import type { BenchResult } from './result.js';

const PYTHON = '/usr/bin/python3';

/** The script sits in the source tree; the compiled runner lives in dist/bench/ring. */
function scriptPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'swift-ring-bench.py'), resolve(here, '../../../bench/ring/swift-ring-bench.py')];
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
}

function failed(l: BenchLayout, error: string): BenchResult {
  const none = { moved: 0, ideal: 0, ratio: Number.NaN, rounds: null, cpuS: Number.NaN, balance: Number.NaN, dispersionPct: Number.NaN };
  return { layout: l.name, system: 'swift', devices: 0, partPower: l.partPower, buildCpuS: Number.NaN, balance: Number.NaN,
    dispersionPct: Number.NaN, grow: none, remove: none, fail: none, partsPerS: Number.NaN, primariesPerS: Number.NaN,
    handoffsPerS: Number.NaN, ringBytes: 0, loadMs: Number.NaN, error };
}

export async function runSwift(l: BenchLayout, timeoutMs: number): Promise<BenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'swift-bench-'));
  try {
    const spec = join(dir, 'spec.json');
    await writeFile(spec, JSON.stringify({ name: l.name, partPower: l.partPower, replicas: l.replicas, ...scenarioOf(l) }));
    const child = spawn(PYTHON, [scriptPath(), spec], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const code = await new Promise<number | null>((res) => {
      child.on('close', (c) => res(c));
      child.on('error', (e) => { err += e.message; res(-1); });
    });
    clearTimeout(timer);
    if (code !== 0) return failed(l, code === null ? `timed out after ${timeoutMs / 1000} s` : `failed: ${err.trim().split('\n').pop() ?? ''}`);
    return JSON.parse(out) as BenchResult;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
