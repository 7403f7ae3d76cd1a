/**
 * How many replicas of an average partition each failure domain should hold.
 *
 * Top down from the root (which holds `replicas`), each node's share is split among its children:
 * - "wanted" (dispersion first): water-filling by weight with each child capped at
 *   ceil(parent's replicas / children), so that no domain holds two replicas of a partition
 *   while a sibling holds none;
 * - "weighted": by weight alone (a device still holds at most one replica of a partition).
 * Without an overload dispersion wins and the target is "wanted". With overload f a child may
 * exceed its weighted share by at most the factor (1 + f); the rest goes back by weight.
 */
import type { Topology } from './topology.js';

export interface Targets {
  /** perPart[level][node]: replicas per partition the node should hold (level 3: by device id). */
  perPart: Float64Array[];
  /** Dispersion-first shares (what `perPart` is without an overload). */
  wanted: Float64Array[];
  /** The same by weight alone, over the whole ring (device level only). */
  weightedPerPart: Float64Array;
  /** Overload (fraction) needed for full dispersion: max over devices of wanted/weighted - 1. */
  requiredOverload: number;
}

/** Computes targets. `overload` undefined means dispersion always wins. */
export function computeTargets(topo: Topology, replicas: number, overload?: number): Targets {
  const perPart = newLevels(topo);
  const wanted = newLevels(topo);
  fill(topo, -1, 0, replicas, wanted, undefined);
  if (overload === undefined) {
    for (let l = 0; l < 4; l++) perPart[l]!.set(wanted[l]!);
  } else {
    fill(topo, -1, 0, replicas, perPart, overload);
  }
  const weightedPerPart = new Float64Array(topo.weight[3]!.length);
  let requiredOverload = 0;
  for (let id = 0; id < weightedPerPart.length; id++) {
    const w = topo.weight[3]![id]!;
    if (w <= 0) continue;
    weightedPerPart[id] = Math.min(1, (replicas * w) / topo.totalWeight);
    requiredOverload = Math.max(requiredOverload, wanted[3]![id]! / weightedPerPart[id]! - 1);
  }
  return { perPart, wanted, weightedPerPart, requiredOverload: Math.max(0, requiredOverload) };
}

function newLevels(topo: Topology): Float64Array[] {
  return [
    new Float64Array(topo.nodeCount[0]!), new Float64Array(topo.nodeCount[1]!),
    new Float64Array(topo.nodeCount[2]!), new Float64Array(topo.weight[3]!.length),
  ];
}

function fill(topo: Topology, level: number, node: number, t: number, out: Float64Array[], overload?: number): void {
  const kids = topo.childrenOf(level, node);
  if (kids.length === 0) return;
  const childLevel = level + 1;
  const weights = kids.map((k) => topo.weightOf(childLevel, k));
  const capacity = kids.map((k) => topo.activeUnder(childLevel, k));
  const want = waterFill(t, weights, dispersionCaps(t, capacity));
  let shares = want;
  if (overload !== undefined) {
    const weighted = waterFill(t, weights, capacity);
    shares = blend(want, weighted, overload);
  }
  kids.forEach((k, i) => {
    out[childLevel]![k] = shares[i]!;
    if (childLevel < 3) fill(topo, childLevel, k, shares[i]!, out, overload);
  });
}

/** Caps for dispersion: as even as possible, never more than the devices below can hold. */
function dispersionCaps(t: number, capacity: number[]): number[] {
  const whole = Math.ceil(t - 1e-9);
  let each = Math.max(1, Math.ceil(whole / capacity.length));
  for (;;) {
    const caps = capacity.map((c) => Math.min(c, each));
    const sum = caps.reduce((a, b) => a + b, 0);
    if (sum >= t - 1e-9 || caps.every((c, i) => c === capacity[i])) return caps;
    each++;
  }
}

/** Splits `t` by weight with upper bounds, handing what a capped child cannot take to the rest. */
export function waterFill(t: number, weights: number[], caps: number[]): number[] {
  const out = new Array<number>(weights.length).fill(0);
  const open = new Set(weights.map((_, i) => i));
  let remaining = t;
  for (;;) {
    let sumW = 0;
    for (const i of open) sumW += weights[i]!;
    if (sumW <= 0 || remaining <= 1e-12) break;
    let capped = false;
    for (const i of open) {
      if ((remaining * weights[i]!) / sumW > caps[i]! + 1e-12) {
        out[i] = caps[i]!;
        open.delete(i);
        capped = true;
      }
    }
    if (capped) {
      remaining = t - out.reduce((a, b) => a + b, 0);
      continue;
    }
    for (const i of open) out[i] = (remaining * weights[i]!) / sumW;
    break;
  }
  return out;
}

/** Moves from "wanted" toward "weighted" so that no child exceeds weighted * (1 + overload). */
function blend(wanted: number[], weighted: number[], overload: number): number[] {
  const out = wanted.slice();
  let deficit = 0;
  let gap = 0;
  for (let i = 0; i < out.length; i++) {
    const limit = weighted[i]! * (1 + overload);
    if (out[i]! > limit) {
      deficit += out[i]! - limit;
      out[i] = limit;
    } else if (wanted[i]! < weighted[i]!) {
      gap += weighted[i]! - wanted[i]!;
    }
  }
  if (deficit > 0 && gap > 0) {
    for (let i = 0; i < out.length; i++) {
      if (wanted[i]! < weighted[i]!) out[i] = wanted[i]! + (deficit * (weighted[i]! - wanted[i]!)) / gap;
    }
  }
  return out;
}
