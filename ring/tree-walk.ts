/**
 * The placement walk: choose the device for one more replica of a partition by descending the
 * failure-domain tree (region, zone, server, device). At each tier the child that
 *   1. stays within the partition's dispersion limit for that domain,
 *   2. is below its quota,
 *   3. holds the fewest replicas of the partition,
 *   4. is left with the largest relative shortfall after taking the replica
 * wins. Devices (and domains) that already hold the partition on every active device are skipped.
 */
import { StoreError } from '../common/index.js';
import type { Topology } from './topology.js';

/** What the walk reads; counts are updated by the caller after each placement. */
export interface WalkState {
  topo: Topology;
  /** Partition-replicas held, per level and node (level 3 by device id). */
  cnt: Int32Array[];
  quota: Int32Array[];
  /** Most replicas of one partition a domain may hold, levels 0..2. */
  maxPer: Int32Array[];
  /** 1 for devices with weight > 0. */
  active: Uint8Array;
}

/**
 * The device for one more replica of partition `p`, whose placed replicas are `cur[0..n)`.
 * `salt` (random per call) breaks near-ties: without it the greedy walk settles into a cycle
 * where each device shares its partitions with the same few zones, and a later change finds too
 * few partitions able to move where room opens up.
 * @throws INTERNAL when no device can take it (fewer eligible devices than replicas)
 */
export function chooseDevice(w: WalkState, p: number, cur: Int32Array, n: number, salt: number): number {
  const { topo, active } = w;
  let node = 0;
  for (let level = 0; level < 4; level++) {
    const kids = level === 0 ? topo.roots : topo.children[level - 1]![node]!;
    const cnt = w.cnt[level]!;
    const quota = w.quota[level]!;
    const nodeOf = level < 3 ? topo.nodeOf[level]! : undefined;
    const maxPer = level < 3 ? w.maxPer[level]! : undefined;
    const activeUnder = level < 3 ? topo.activeDevices[level]! : undefined;
    // The partition's placed replicas at this tier (the common case, n <= 2, unrolled).
    const n0 = nodeOf && n > 0 ? nodeOf[cur[0]!]! : -1;
    const n1 = nodeOf && n > 1 ? nodeOf[cur[1]!]! : -1;
    let best = -1;
    let bestKey = Infinity;
    let bestRel = -Infinity;
    for (let k = 0; k < kids.length; k++) {
      const c = kids[k]!;
      let inPart = 0;
      if (nodeOf) {
        let activeIn = 0;
        if (n <= 2) {
          if (n0 === c) { inPart++; activeIn += active[cur[0]!]!; }
          if (n1 === c) { inPart++; activeIn += active[cur[1]!]!; }
        } else {
          for (let j = 0; j < n; j++) if (nodeOf[cur[j]!] === c) { inPart++; activeIn += active[cur[j]!]!; }
        }
        if (activeIn >= activeUnder![c]!) continue;
        if (inPart >= maxPer![c]!) inPart += 1000;
      } else {
        let holds = false;
        for (let j = 0; j < n; j++) if (cur[j] === c) holds = true;
        if (holds) continue;
      }
      const q = quota[c]!;
      const held = cnt[c]!;
      const key = (held >= q ? 100 : 0) + inPart;
      if (key > bestKey) continue;
      const jitter = (Math.imul(c + level * 0x10000, 0x9e3779b1) ^ salt) >>> 0;
      // Shortfall left after taking this replica, relative to quota: the greedy choice that
      // keeps the worst deviation smallest, and for full nodes the one overflowing least.
      const rel = (q - held - 1 + jitter / 4294967296) / (q > 0 ? q : 1);
      if (key < bestKey || rel > bestRel) {
        best = c;
        bestKey = key;
        bestRel = rel;
      }
    }
    if (best < 0) throw new StoreError('INTERNAL', `Cannot place a replica of partition ${p}: no eligible device`);
    node = best;
  }
  return node;
}
