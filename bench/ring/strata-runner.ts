/**
 * Runs one layout through Strata's builder and ring: build, the three change scenarios, lookups
 * and the ring file. CPU time is process CPU (user + system, all threads, so GC counts).
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ring, RingBuilder, type RebalanceReport } from '../../ring/index.js';
import { scenarioOf, type BenchDevice, type BenchLayout } from './layouts.js';
import type { BenchResult, ChangeResult } from './result.js';

const MAX_ROUNDS = 10;

function cpuSeconds<T>(fn: () => T): [T, number] {
  const start = process.cpuUsage();
  const out = fn();
  const used = process.cpuUsage(start);
  return [out, (used.user + used.system) / 1e6];
}

function addAll(b: RingBuilder, devs: BenchDevice[]): void {
  for (const d of devs) b.addDevice({ ...d, meta: '' });
}

/** Applies a change to a copy of the built ring and rebalances until balanced. */
function change(built: RingBuilder, apply: (b: RingBuilder) => number, seed: number): ChangeResult {
  const b = built.clone();
  const totalBefore = b.devices.reduce((a, d) => a + (d?.weight ?? 0), 0);
  const changedWeight = apply(b);
  b.pretendMinPartHoursPassed();
  const [first, cpuS] = cpuSeconds(() => b.rebalance({ seed }));
  const totalAfter = b.devices.reduce((a, d) => a + (d?.weight ?? 0), 0);
  const slots = b.partCount * b.replicas;
  const ideal = (changedWeight / Math.max(totalBefore, totalAfter)) * slots;
  let rounds = 1;
  let last: RebalanceReport = first;
  const goal = (r: RebalanceReport): boolean => r.balance < Math.max(1, r.bestBalance + 1e-6);
  while (!goal(last) && rounds < MAX_ROUNDS) {
    b.pretendMinPartHoursPassed();
    last = b.rebalance({ seed: seed + rounds });
    rounds++;
  }
  return { moved: first.moved, ideal: Math.round(ideal), ratio: first.moved / ideal, rounds: goal(last) ? rounds : null,
    cpuS, balance: last.balance, bestBalance: last.bestBalance, dispersionPct: last.dispersion.percent };
}

function perSecond(n: number, fn: (i: number) => number): number {
  let sink = 0;
  const [, s] = cpuSeconds(() => { for (let i = 0; i < n; i++) sink += fn(i); });
  if (sink === -1) process.stdout.write('');
  return n / s;
}

export async function runStrata(l: BenchLayout): Promise<BenchResult> {
  const sc = scenarioOf(l);
  const [built, buildCpuS] = cpuSeconds(() => {
    const b = RingBuilder.create({ partPower: l.partPower, replicas: l.replicas, minPartHours: 1, hashSecret: 'bench' });
    addAll(b, sc.devices);
    return [b, b.rebalance({ seed: 1 })] as const;
  });
  const [b, report] = built;
  const grow = change(b, (x) => { addAll(x, sc.growth); return sc.growth.reduce((a, d) => a + d.weight, 0); }, 2);
  const remove = change(b, (x) => {
    sc.removeServer.forEach((id) => x.removeDevice(id));
    return sc.removeServer.reduce((a, id) => a + b.devices[id]!.weight, 0);
  }, 3);
  const fail = change(b, (x) => { const w = x.devices[sc.failDisk]!.weight; x.setWeight(sc.failDisk, 0); return w; }, 4);

  const dir = await mkdtemp(join(tmpdir(), 'ring-bench-'));
  try {
    const file = join(dir, 'object.ring.gz');
    await b.writeRing(file);
    const ringBytes = (await stat(file)).size;
    const loads: number[] = [];
    const walls: number[] = [];
    let ring: Ring | undefined;
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      ring = await Ring.load(file);
      const c = process.cpuUsage(c0);
      walls.push(performance.now() - t0);
      loads.push((c.user + c.system) / 1000);
    }
    loads.sort((x, y) => x - y);
    walls.sort((x, y) => x - y);
    const r = ring!;
    const N = 300_000;
    const paths = Array.from({ length: N }, (_, i) => `/AUTH_bench/c${i % 1000}/o${i}`);
    const parts = Uint32Array.from(paths, (p) => r.partOf(p));
    const partsPerS = perSecond(N, (i) => r.partOf(paths[i]!));
    const primariesPerS = perSecond(N, (i) => r.primaries(parts[i]!)[0]!.id);
    const handoffsPerS = perSecond(N / 3, (i) => {
      let n = 0;
      let s = 0;
      for (const d of r.handoffs(parts[i]!)) {
        s += d.id;
        if (++n === 6) break;
      }
      return s;
    });
    return {
      layout: l.name, system: 'strata', devices: sc.devices.length, partPower: l.partPower, buildCpuS,
      balance: report.balance, bestBalance: report.bestBalance, dispersionPct: report.dispersion.percent,
      grow, remove, fail, partsPerS, primariesPerS, handoffsPerS, ringBytes, loadMs: loads[3]!, loadWallMs: walls[3]!,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
