/** The figures one benchmark run produces for one layout, and how they print. */

export interface ChangeResult {
  /** Partition-replicas moved by the first rebalance after the change. */
  moved: number;
  /** Changed weight / total weight x partition-replicas. */
  ideal: number;
  ratio: number;
  /** Rebalances (min_part_hours pretended passed between them) until balance < max(1%, best possible); null = not within 10. */
  rounds: number | null;
  /** CPU seconds of the first rebalance after the change. */
  cpuS: number;
  balance: number;
  bestBalance?: number;
  dispersionPct: number;
}

export interface BenchResult {
  layout: string;
  system: 'strata' | 'swift';
  devices: number;
  partPower: number;
  buildCpuS: number;
  balance: number;
  bestBalance?: number;
  dispersionPct: number;
  grow: ChangeResult;
  remove: ChangeResult;
  fail: ChangeResult;
  partsPerS: number;
  primariesPerS: number;
  handoffsPerS: number;
  ringBytes: number;
  /** Median CPU milliseconds of Ring.load() (7 loads); loadWallMs the median wall time. */
  loadMs: number;
  loadWallMs?: number;
  /** Set when the run was skipped or failed (Swift on the large layout). */
  error?: string;
}

const f = (x: number | null | undefined, digits = 2): string => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits));
const k = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '-' : `${(x / 1e6).toFixed(2)}M`);

export const COLUMNS = ['layout', 'system', 'build cpu s', 'balance %', 'disp %', 'grow x', 'rnd', 'remove x', 'rnd',
  'fail x', 'rnd', 'change cpu s', 'part/s', 'prim/s', 'hand6/s', 'ring KiB', 'load cpu ms'];

export function row(r: BenchResult): string[] {
  if (r.error) return [r.layout, r.system, r.error, ...COLUMNS.slice(3).map(() => '')];
  const rounds = (c: ChangeResult): string => (c.rounds === null ? '>10' : String(c.rounds));
  return [r.layout, r.system, f(r.buildCpuS), f(r.balance), f(r.dispersionPct), f(r.grow.ratio, 3), rounds(r.grow),
    f(r.remove.ratio, 3), rounds(r.remove), f(r.fail.ratio, 3), rounds(r.fail), f(Math.max(r.grow.cpuS, r.remove.cpuS, r.fail.cpuS)),
    k(r.partsPerS), k(r.primariesPerS), k(r.handoffsPerS), f(r.ringBytes / 1024, 0), f(r.loadMs, 1)];
}

/** Swift's figure divided by ours (for times: how many times faster we are). */
export function ratioRow(ours: BenchResult, swift: BenchResult): string[] {
  if (swift.error || ours.error) return [ours.layout, 'swift/strata', swift.error ?? ours.error ?? '', ...COLUMNS.slice(3).map(() => '')];
  const q = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(2)}x` : '-');
  return [ours.layout, 'swift/strata', q(swift.buildCpuS, ours.buildCpuS), q(swift.balance, ours.balance), '',
    q(swift.grow.ratio, ours.grow.ratio), '', q(swift.remove.ratio, ours.remove.ratio), '', q(swift.fail.ratio, ours.fail.ratio), '',
    q(Math.max(swift.grow.cpuS, swift.remove.cpuS, swift.fail.cpuS), Math.max(ours.grow.cpuS, ours.remove.cpuS, ours.fail.cpuS)),
    q(ours.partsPerS, swift.partsPerS), q(ours.primariesPerS, swift.primariesPerS), q(ours.handoffsPerS, swift.handoffsPerS),
    q(swift.ringBytes, ours.ringBytes), q(swift.loadMs, ours.loadMs)];
}
