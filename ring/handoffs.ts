/**
 * Handoff order: a lazy, deterministic sequence of devices for a partition, after its primaries.
 * It first picks devices in regions no replica uses yet, then unused zones, then unused servers,
 * then any unused device; within a phase the choice is pseudo-random, seeded by the partition, so
 * that the handoff load of a failed device spreads over the cluster instead of one neighbour.
 * An explicit iterator rather than a generator: proxies ask for handoffs on every degraded
 * request, and this is about twice as fast.
 */
import type { Device } from './device.js';
import type { Topology } from './topology.js';

/** Active nodes per level (levels 0..2) and active device ids (level 3). */
export function activeNodeLists(topo: Topology): Int32Array[] {
  const lists: Int32Array[] = [];
  for (let level = 0; level < 3; level++) {
    const nodes: number[] = [];
    for (let n = 0; n < topo.nodeCount[level]!; n++) if (topo.activeDevices[level]![n]! > 0) nodes.push(n);
    lists.push(Int32Array.from(nodes));
  }
  const devs: number[] = [];
  topo.weight[3]!.forEach((w, id) => { if (w > 0) devs.push(id); });
  lists.push(Int32Array.from(devs));
  return lists;
}

/** Yields handoff devices for one partition, never a primary, each device once. */
export class HandoffIterator implements IterableIterator<Device> {
  /** Regions, zones and servers already holding or offered the partition. */
  private readonly used: [number[], number[], number[]] = [[], [], []];
  private readonly usedActive = [0, 0, 0];
  /** Devices offered or primary; only needed once every server is used (phase 3). */
  private readonly devicesUsed: number[] = [];
  private level = 0;
  private state: number;

  /** `table[replica][part]` gives the primaries, which are never offered. */
  constructor(private readonly topo: Topology, private readonly lists: Int32Array[],
    private readonly devices: ReadonlyArray<Device | undefined>, table: ReadonlyArray<Uint16Array>, part: number) {
    for (let r = 0; r < table.length; r++) this.mark(table[r]![part]!);
    this.state = (Math.imul(part, 0x9e3779b1) ^ 0x5bd1e995) >>> 0;
  }

  [Symbol.iterator](): IterableIterator<Device> {
    return this;
  }

  next(): IteratorResult<Device> {
    while (this.level < 3) {
      const list = this.lists[this.level]!;
      if (this.usedActive[this.level]! < list.length) {
        // A device under an unused region, zone or server cannot have been used itself.
        let dev = this.pickUnused(list, this.used[this.level]!);
        for (let l = this.level; l < 3; l++) {
          const kids = this.topo.children[l]![dev]!;
          dev = kids[this.below(kids.length)]!;
        }
        this.mark(dev);
        return { value: this.devices[dev]!, done: false };
      }
      this.level++;
    }
    const all = this.lists[3]!;
    if (this.devicesUsed.length < all.length) {
      const dev = this.pickUnused(all, this.devicesUsed);
      this.devicesUsed.push(dev);
      return { value: this.devices[dev]!, done: false };
    }
    return { value: undefined, done: true };
  }

  private mark(dev: number): void {
    const topo = this.topo;
    if (topo.weight[3]![dev]! > 0) this.devicesUsed.push(dev);
    for (let level = 0; level < 3; level++) {
      const node = topo.nodeOf[level]![dev]!;
      const used = this.used[level]!;
      if (used.includes(node)) continue;
      used.push(node);
      if (topo.activeDevices[level]![node]! > 0) this.usedActive[level]!++;
    }
  }

  /** A random element of `list` not in `used` (rejection sampling, then a scan). */
  private pickUnused(list: Int32Array, used: number[]): number {
    for (let tries = 0; tries < 8; tries++) {
      const c = list[this.below(list.length)]!;
      if (!used.includes(c)) return c;
    }
    const start = this.below(list.length);
    for (let i = 0; i < list.length; i++) {
      const c = list[(start + i) % list.length]!;
      if (!used.includes(c)) return c;
    }
    throw new Error('unreachable: no unused node although the count says there is one');
  }

  /** xorshift32: small and fast; quality is ample for spreading handoffs. */
  private below(n: number): number {
    let x = this.state || 0x2545f491;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state % n;
  }
}
