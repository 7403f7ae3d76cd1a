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
    // Tier keys, outermost first; indices follow sorted key order so that they do not depend on
    // the order devices were added.
    const keyOf = (d: Device, level: number): string =>
      level === 0 ? `r${d.region}` : level === 1 ? `r${d.region}z${d.zone}` : `r${d.region}z${d.zone}-${d.ip}`;
    const sample = [new Map<string, Device>(), new Map<string, Device>(), new Map<string, Device>()];
    const keys: string[][] = [[], [], []];
    for (let id = 0; id < size; id++) {
      const d = devices[id];
      if (!d) continue;
      for (let level = 0; level < 3; level++) {
        const k = keyOf(d, level);
        keys[level]![id] = k;
        if (!sample[level]!.has(k)) sample[level]!.set(k, d);
      }
    }
    this.nodeCount = [];
    this.names = [];
    for (let level = 0; level < 3; level++) {
      const ordered = [...sample[level]!.entries()].sort((a, b) => compareDevices(a[1], b[1], level));
      const index = new Map<string, number>(ordered.map(([k], i) => [k, i]));
      for (let id = 0; id < size; id++) if (devices[id]) this.nodeOf[level]![id] = index.get(keys[level]![id]!)!;
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
    const seenZone = new Uint8Array(this.nodeCount[1]!);
    const seenServer = new Uint8Array(this.nodeCount[2]!);
    let total = 0;
    let active = 0;
    for (let id = 0; id < size; id++) {
      const d = devices[id];
      if (!d || !(d.weight > 0)) continue;
      total += d.weight;
      active++;
      this.weight[3]![id] = d.weight;
      const r = this.nodeOf[0]![id]!;
      const z = this.nodeOf[1]![id]!;
      const s = this.nodeOf[2]![id]!;
      this.weight[0]![r] += d.weight;
      this.weight[1]![z] += d.weight;
      this.weight[2]![s] += d.weight;
      this.activeDevices[0]![r]++;
      this.activeDevices[1]![z]++;
      this.activeDevices[2]![s]++;
      rootSet.add(r);
      if (!seenZone[z]) { seenZone[z] = 1; this.children[0]![r]!.push(z); }
      if (!seenServer[s]) { seenServer[s] = 1; this.children[1]![z]!.push(s); }
      this.children[2]![s]!.push(id);
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

function compareDevices(a: Device, b: Device, level: number): number {
  if (a.region !== b.region) return a.region - b.region;
  if (level === 0) return 0;
  if (a.zone !== b.zone) return a.zone - b.zone;
  if (level === 1) return 0;
  return a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0;
}
