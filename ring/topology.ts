/**
 * The failure-domain tree of a device list: regions > zones > servers (ip) > devices. Tier nodes
 * get dense indices so that the builder and the handoff walk can use typed arrays instead of
 * string keys. Only devices with weight > 0 appear as children (they may receive data); every
 * existing device, active or draining, has its tier indices recorded.
 */
import type { Device } from './device.js';

/** Tier levels, outermost first. Level 3 (device) nodes are device ids. */
export const TIER_NAMES = ['region', 'zone', 'server', 'device'] as const;
export type TierName = (typeof TIER_NAMES)[number];

export class Topology {
  /** nodeOf[level][devId]: index of the device's region (0), zone (1), server (2); -1 for holes. */
  readonly nodeOf: Int32Array[];
  /** Number of nodes at each of levels 0..2. */
  readonly nodeCount: number[];
  /** children[level][node]: child nodes (level+1, or device ids for level 2) that hold weight. */
  readonly children: number[][][];
  /** Regions that hold weight. */
  readonly roots: number[];
  /** weight[level][node] summed over active devices; level 3 indexed by device id. */
  readonly weight: Float64Array[];
  /** Active devices (weight > 0) under each node at levels 0..2, and in total. */
  readonly activeDevices: Int32Array[];
  readonly totalWeight: number;
  readonly activeCount: number;
  /** Display names of tier nodes, e.g. "r1z2-10.0.0.1". */
  readonly names: string[][];

  constructor(devices: ReadonlyArray<Device | undefined>) {
    const size = devices.length;
    this.nodeOf = [new Int32Array(size).fill(-1), new Int32Array(size).fill(-1), new Int32Array(size).fill(-1)];
    const present = devices.filter((d): d is Device => d !== undefined);
    const keys: Array<(d: Device) => string> = [
      (d) => `r${d.region}`,
      (d) => `r${d.region}z${d.zone}`,
      (d) => `r${d.region}z${d.zone}-${d.ip}`,
    ];
    // Sort keys so that indices do not depend on the order devices were added.
    const sortKey: Array<(d: Device) => Array<number | string>> = [
      (d) => [d.region],
      (d) => [d.region, d.zone],
      (d) => [d.region, d.zone, d.ip],
    ];
    this.nodeCount = [];
    this.names = [];
    for (let level = 0; level < 3; level++) {
      const byKey = new Map<string, Device>();
      for (const d of present) if (!byKey.has(keys[level]!(d))) byKey.set(keys[level]!(d), d);
      const ordered = [...byKey.entries()].sort((a, b) => compareKeys(sortKey[level]!(a[1]), sortKey[level]!(b[1])));
      const index = new Map<string, number>(ordered.map(([k], i) => [k, i]));
      for (const d of present) this.nodeOf[level]![d.id] = index.get(keys[level]!(d))!;
      this.nodeCount.push(ordered.length);
      this.names.push(ordered.map(([k]) => k));
    }
    this.weight = [
      new Float64Array(this.nodeCount[0]!), new Float64Array(this.nodeCount[1]!),
      new Float64Array(this.nodeCount[2]!), new Float64Array(size),
    ];
    this.activeDevices = [
      new Int32Array(this.nodeCount[0]!), new Int32Array(this.nodeCount[1]!), new Int32Array(this.nodeCount[2]!),
    ];
    this.children = [0, 1, 2].map((l) => Array.from({ length: this.nodeCount[l]! }, () => [] as number[]));
    const rootSet = new Set<number>();
    const seen = [new Set<number>(), new Set<number>()];
    let total = 0;
    let active = 0;
    for (const d of [...present].sort((a, b) => a.id - b.id)) {
      if (!(d.weight > 0)) continue;
      total += d.weight;
      active++;
      this.weight[3]![d.id] = d.weight;
      const [r, z, s] = [this.nodeOf[0]![d.id]!, this.nodeOf[1]![d.id]!, this.nodeOf[2]![d.id]!];
      this.weight[0]![r] += d.weight;
      this.weight[1]![z] += d.weight;
      this.weight[2]![s] += d.weight;
      this.activeDevices[0]![r]++;
      this.activeDevices[1]![z]++;
      this.activeDevices[2]![s]++;
      rootSet.add(r);
      if (!seen[0]!.has(z)) { seen[0]!.add(z); this.children[0]![r]!.push(z); }
      if (!seen[1]!.has(s)) { seen[1]!.add(s); this.children[1]![z]!.push(s); }
      this.children[2]![s]!.push(d.id);
    }
    for (const l of [0, 1]) for (const list of this.children[l]!) list.sort((a, b) => a - b);
    this.roots = [...rootSet].sort((a, b) => a - b);
    this.totalWeight = total;
    this.activeCount = active;
  }

  /** Children of a node at `level` (-1 = the root, whose children are regions). */
  childrenOf(level: number, node: number): number[] {
    return level < 0 ? this.roots : this.children[level]![node]!;
  }

  /** Weight of a node at level 0..3. */
  weightOf(level: number, node: number): number {
    return this.weight[level]![node]!;
  }

  /** Active devices under a node (1 or 0 for a device). */
  activeUnder(level: number, node: number): number {
    return level === 3 ? (this.weight[3]![node]! > 0 ? 1 : 0) : this.activeDevices[level]![node]!;
  }
}

function compareKeys(a: Array<number | string>, b: Array<number | string>): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    return typeof x === 'number' && typeof y === 'number' ? x - y : String(x) < String(y) ? -1 : 1;
  }
  return 0;
}
