/**
 * Whole partition-replica counts per device and failure domain. Targets are fractional (replicas
 * per partition times partitions); the builder needs integers. Three constraints:
 * - a domain whose target is a whole number of replicas per partition ("tight", e.g. one zone
 *   of three with three replicas) must get exactly that many, or some partition would need two
 *   replicas in it or none;
 * - regions and zones are rounded among their siblings, so that a rounding artefact never puts
 *   hundreds of extra partitions in one region (a later change would have to move them back);
 * - within a zone, devices are rounded as one group, not server by server, which gives the best
 *   balance whole partitions allow.
 * Each rounding first finds the smallest achievable worst relative deviation, then, among the
 * roundings that achieve it, picks the one closest to what is held now, so that a small change
 * does not reshuffle which nodes round up (every reshuffle moves data).
 */
import type { Topology } from './topology.js';

/** quota[level][node] (level 3 by device id): partition-replicas the node should hold. */
export function computeQuotas(topo: Topology, perPart: Float64Array[], partCount: number, replicas: number,
  current?: Int32Array): Int32Array[] {
  const quota = [
    new Int32Array(topo.nodeCount[0]!), new Int32Array(topo.nodeCount[1]!),
    new Int32Array(topo.nodeCount[2]!), new Int32Array(topo.weight[3]!.length),
  ];
  const held = [0, 1, 2].map((l) => new Float64Array(topo.nodeCount[l]!));
  if (current) {
    for (let id = 0; id < current.length; id++) {
      if (topo.nodeOf[0]![id]! < 0 || !(topo.weight[3]![id]! > 0)) continue;
      for (let l = 0; l < 3; l++) held[l]![topo.nodeOf[l]![id]!]! += current[id]!;
    }
  }
  const ctx: Ctx = { topo, perPart, partCount, quota, held, current };
  assign(ctx, -1, 0, replicas * partCount);
  for (let id = 0; id < quota[3]!.length; id++) {
    const q = quota[3]![id]!;
    if (q === 0 || topo.nodeOf[0]![id]! < 0) continue;
    for (let l = 0; l < 3; l++) quota[l]![topo.nodeOf[l]![id]!]! += q;
  }
  return quota;
}

interface Ctx {
  topo: Topology;
  perPart: Float64Array[];
  partCount: number;
  quota: Int32Array[];
  held: Float64Array[];
  current: Int32Array | undefined;
}

function isTight(x: number): boolean {
  return x >= 1 - 1e-9 && Math.abs(x - Math.round(x)) < 1e-9;
}

function assign(ctx: Ctx, level: number, node: number, total: number): void {
  const { topo, perPart, partCount } = ctx;
  if (level < 1) {
    // Regions (level -1 -> 0) and zones (0 -> 1): round among siblings, recurse.
    const kids = topo.childrenOf(level, node);
    const cl = level + 1;
    const fixed = kids.map((k) => (isTight(perPart[cl]![k]!) ? Math.round(perPart[cl]![k]!) * partCount : -1));
    const loose = kids.map((_, i) => i).filter((i) => fixed[i]! < 0);
    const rest = total - fixed.reduce((a, q) => a + Math.max(0, q), 0);
    const whole = roundGroup(loose.map((i) => perPart[cl]![kids[i]!]! * partCount), Math.max(0, rest),
      loose.map((i) => topo.activeUnder(cl, kids[i]!) * partCount), loose.map((i) => ctx.held[cl]![kids[i]!]!));
    loose.forEach((i, j) => { fixed[i] = whole[j]!; });
    kids.forEach((k, i) => assign(ctx, cl, k, fixed[i]!));
    return;
  }
  // Within a zone (or a tight server): tight servers get exact counts, the rest share one group.
  const devs: number[] = [];
  let rest = total;
  const servers = level === 1 ? topo.childrenOf(1, node) : [node];
  for (const s of servers) {
    if (level === 1 && isTight(perPart[2]![s]!) && servers.length > 1) {
      const q = Math.round(perPart[2]![s]!) * partCount;
      rest -= q;
      assign(ctx, 2, s, q);
    } else {
      devs.push(...topo.childrenOf(2, s));
    }
  }
  const whole = roundGroup(devs.map((d) => perPart[3]![d]! * partCount), Math.max(0, rest), devs.map(() => partCount),
    devs.map((d) => ctx.current?.[d] ?? 0));
  devs.forEach((d, i) => { ctx.quota[3]![d] = whole[i]!; });
}

/**
 * Rounds `exact` to integers summing to `total`, each at most its cap, with the smallest worst
 * relative deviation; among such roundings, nodes that hold more now (`held`) round up first.
 */
export function roundGroup(exact: number[], total: number, cap: number[], held: number[]): number[] {
  const n = exact.length;
  if (n === 0) return [];
  const sum = exact.reduce((a, b) => a + b, 0);
  const scaled = exact.map((x) => (sum > 0 ? (x * total) / sum : total / n));
  const whole = scaled.map((x, i) => Math.min(cap[i]!, Math.floor(x + 1e-9)));
  let left = total - whole.reduce((a, b) => a + b, 0);
  const idx = exact.map((_, i) => i);
  const under = idx.map((i) => (scaled[i]! - whole[i]!) / (scaled[i]! || 1));
  const over = idx.map((i) => (whole[i]! + 1 - scaled[i]!) / (scaled[i]! || 1));
  const open = idx.filter((i) => whole[i]! < cap[i]!);
  // The smallest worst deviation D for which some choice of `left` nodes to round up works:
  // nodes short by more than D must round up, only nodes within D when rounded up may.
  const eps = 1e-12;
  const feasible = (d: number): boolean => {
    let must = 0;
    let may = 0;
    for (const i of open) {
      if (under[i]! > d + eps) {
        if (over[i]! > d + eps) return false;
        must++;
      }
      if (over[i]! <= d + eps) may++;
    }
    return must <= left && left <= may;
  };
  const candidates = [0, ...open.map((i) => under[i]!), ...open.map((i) => over[i]!)].sort((a, b) => a - b);
  let lo = 0;
  let hi = candidates.length - 1;
  if (!feasible(candidates[hi]!)) hi = -1;
  while (hi >= 0 && lo < hi) {
    const mid = (lo + hi) >> 1;
    if (feasible(candidates[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  const worst = hi >= 0 ? candidates[hi]! : Infinity;
  const ups = new Set<number>();
  for (const i of open) if (ups.size < left && under[i]! > worst + eps) ups.add(i);
  const holds = (i: number): number => (held[i]! > whole[i]! ? 1 : 0);
  const optional = open.filter((i) => !ups.has(i) && over[i]! <= worst + eps)
    .sort((a, b) => holds(b) - holds(a) || under[b]! - under[a]! || a - b);
  for (const i of optional) {
    if (ups.size >= left) break;
    ups.add(i);
  }
  for (const i of ups) whole[i]!++;
  left -= ups.size;
  // What caps or float edge cases left over goes to whoever still has room, most short first.
  const byShort = [...open].sort((a, b) => under[b]! - under[a]! || a - b);
  while (left > 0) {
    let gave = false;
    for (const i of byShort) {
      if (left === 0) break;
      if (whole[i]! < cap[i]!) {
        whole[i]!++;
        left--;
        gave = true;
      }
    }
    if (!gave) break;
  }
  return whole;
}
