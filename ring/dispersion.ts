/**
 * Reports on a placement: balance (as swift-ring-builder computes it: the largest deviation of
 * any device's partition-replica count from its share by weight, in percent) and dispersion
 * (partitions where one failure domain holds more replicas than the dispersion-first targets
 * allow, per tier).
 */
import type { Device } from './device.js';
import { Topology, TIER_NAMES, type TierName } from './topology.js';
import { computeTargets } from './targets.js';

export interface DispersionReport {
  /** Partitions with at least one over-full domain at each tier (device: duplicate devices). */
  byTier: Record<TierName, number>;
  /** Partitions with any violation, and that as a percentage of all partitions. */
  partitions: number;
  percent: number;
  /** Per domain (levels 0..2) with violations: its name and how many partitions it over-holds. */
  worst: Array<{ tier: TierName; name: string; partitions: number; maxReplicas: number }>;
}

export interface BalanceReport {
  /** Largest |deviation| in percent over devices with weight > 0. */
  balance: number;
  /** Partition-replicas per device id (holes 0). */
  parts: Int32Array;
  /** Deviation in percent per device id (0 for weight-0 devices). */
  deviation: Float64Array;
  /** Partition-replicas still on weight-0 devices. */
  onZeroWeight: number;
}

/** Balance of a replica table against device weights. */
export function computeBalance(devices: ReadonlyArray<Device | undefined>, table: ReadonlyArray<Uint16Array>): BalanceReport {
  const parts = new Int32Array(devices.length);
  for (const row of table) for (let p = 0; p < row.length; p++) parts[row[p]!]!++;
  let total = 0;
  for (const d of devices) if (d && d.weight > 0) total += d.weight;
  const slots = table.length * (table[0]?.length ?? 0);
  const deviation = new Float64Array(devices.length);
  let balance = 0;
  let onZeroWeight = 0;
  for (const d of devices) {
    if (!d) continue;
    if (!(d.weight > 0)) {
      onZeroWeight += parts[d.id]!;
      continue;
    }
    const want = Math.min(table[0]!.length, (slots * d.weight) / total);
    deviation[d.id] = (100 * parts[d.id]!) / want - 100;
    balance = Math.max(balance, Math.abs(deviation[d.id]!));
  }
  return { balance, parts, deviation, onZeroWeight };
}

/** Dispersion of a replica table. */
export function computeDispersion(devices: ReadonlyArray<Device | undefined>, table: ReadonlyArray<Uint16Array>): DispersionReport {
  const topo = new Topology(devices);
  const replicas = table.length;
  const partCount = table[0]?.length ?? 0;
  const wanted = computeTargets(topo, replicas).wanted;
  const maxPer = wanted.map((l) => Int32Array.from(l, (x) => Math.max(1, Math.ceil(x - 1e-6))));
  const byTier: Record<TierName, number> = { region: 0, zone: 0, server: 0, device: 0 };
  const overCount = [0, 1, 2].map((l) => new Int32Array(topo.nodeCount[l]!));
  const maxSeen = [0, 1, 2].map((l) => new Int32Array(topo.nodeCount[l]!));
  let partitions = 0;
  const nodes = new Int32Array(replicas);
  const levels = [topo.nodeOf[0]!, topo.nodeOf[1]!, topo.nodeOf[2]!];
  const counts = [0, 0, 0, 0];
  for (let p = 0; p < partCount; p++) {
    let bad = false;
    for (let level = 0; level < 4; level++) {
      const nodeOf = level < 3 ? levels[level]! : undefined;
      for (let r = 0; r < replicas; r++) nodes[r] = nodeOf ? nodeOf[table[r]![p]!]! : table[r]![p]!;
      // Fast path: most partitions share no domain at this tier.
      let shared = false;
      for (let r = 1; r < replicas && !shared; r++) for (let s = 0; s < r; s++) if (nodes[r] === nodes[s]) shared = true;
      if (!shared) continue;
      let tierBad = false;
      for (let r = 0; r < replicas; r++) {
        let same = 0;
        for (let s = 0; s < replicas; s++) if (nodes[s] === nodes[r]) same++;
        const limit = level === 3 ? 1 : maxPer[level]![nodes[r]!]!;
        if (level < 3 && same > maxSeen[level]![nodes[r]!]!) maxSeen[level]![nodes[r]!] = same;
        if (same > limit) {
          tierBad = true;
          if (level < 3 && nodes.indexOf(nodes[r]!) === r) overCount[level]![nodes[r]!]!++;
        }
      }
      if (tierBad) {
        counts[level]!++;
        bad = true;
      }
    }
    if (bad) partitions++;
  }
  TIER_NAMES.forEach((name, level) => { byTier[name] = counts[level]!; });
  const worst: DispersionReport['worst'] = [];
  for (let level = 0; level < 3; level++) {
    overCount[level]!.forEach((n, node) => {
      if (n > 0) worst.push({ tier: TIER_NAMES[level]!, name: topo.names[level]![node]!, partitions: n, maxReplicas: maxSeen[level]![node]! });
    });
  }
  worst.sort((a, b) => b.partitions - a.partitions);
  return { byTier, partitions, percent: partCount ? (100 * partitions) / partCount : 0, worst };
}
