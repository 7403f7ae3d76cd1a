/**
 * Placement: where a request goes. Wraps a ring (read through a RingSource, so a reloaded ring is
 * used by the next request) and answers, for an account, container or object path, its partition,
 * its primaries and a bounded list of handoffs. Read order and write targets take the error
 * limiter into account: a node that failed recently goes last for reads and is replaced by a
 * handoff for writes.
 */
import type { ErrorLimiter } from './error-limiter.js';

/** The fields of a ring device that the cluster client uses (ring/Device satisfies it). */
export interface RingDevice {
  id: number;
  ip: string;
  port: number;
  device: string;
}

/** The read side of a ring (ring/Ring satisfies it). */
export interface PlacementRing {
  readonly version: number;
  readonly replicaCount: number;
  partOf(path: string): number;
  primaries(part: number): RingDevice[];
  handoffs(part: number): Iterable<RingDevice>;
}

/** Something that always holds the current ring (ring/RingWatcher satisfies it). */
export interface RingSource {
  readonly ring: PlacementRing;
}

/** A device chosen for one request, with the replica slot it serves (handoffs take a primary's). */
export interface PlacedNode {
  device: RingDevice;
  /** Index of the primary this node stands for (0..replicas-1). */
  slot: number;
  handoff: boolean;
}

export interface PlacementResult {
  partition: number;
  replicaCount: number;
  primaries: RingDevice[];
  /** Up to `maxHandoffs` handoffs, in ring order. */
  handoffs: RingDevice[];
}

/** "ip:port/device", the key of a device for error limiting and messages. */
export function deviceKey(d: RingDevice): string {
  return `${d.ip}:${d.port}/${d.device}`;
}

/** Builds the path a ring hashes: "/a", "/a/c" or "/a/c/o". */
export function ringPath(account: string, container?: string, object?: string): string {
  let path = `/${account}`;
  if (container !== undefined) path += `/${container}`;
  if (object !== undefined) path += `/${object}`;
  return path;
}

export class Placement {
  constructor(private readonly source: RingSource, private readonly limiter: ErrorLimiter, private readonly maxHandoffs: number) {}

  /** Partition, primaries and handoffs of a path. */
  locate(path: string): PlacementResult {
    const ring = this.source.ring;
    const partition = ring.partOf(path);
    const primaries = ring.primaries(partition);
    const handoffs: RingDevice[] = [];
    if (this.maxHandoffs > 0) {
      for (const d of ring.handoffs(partition)) {
        handoffs.push(d);
        if (handoffs.length >= this.maxHandoffs) break;
      }
    }
    return { partition, replicaCount: primaries.length, primaries, handoffs };
  }

  /**
   * Nodes to try for a read, in order: healthy primaries, healthy handoffs, then error-limited
   * ones (last resort rather than skipped, so a read never fails only because of the limiter).
   */
  readOrder(p: PlacementResult): PlacedNode[] {
    const all: PlacedNode[] = [
      ...p.primaries.map((device, slot) => ({ device, slot, handoff: false })),
      ...p.handoffs.map((device, i) => ({ device, slot: i % Math.max(1, p.replicaCount), handoff: true })),
    ];
    const healthy = all.filter((n) => !this.limiter.isLimited(deviceKey(n.device)));
    const limited = all.filter((n) => this.limiter.isLimited(deviceKey(n.device)));
    return [...healthy, ...limited];
  }

  /**
   * Write targets: one node per replica slot (a limited primary replaced by the next healthy
   * handoff), and the spare handoffs left over for replacing nodes that fail at connect time.
   */
  writeTargets(p: PlacementResult): { targets: PlacedNode[]; spares: RingDevice[] } {
    const spares = p.handoffs.filter((d) => !this.limiter.isLimited(deviceKey(d)));
    const limitedSpares = p.handoffs.filter((d) => this.limiter.isLimited(deviceKey(d)));
    const targets = p.primaries.map((device, slot): PlacedNode => {
      if (this.limiter.isLimited(deviceKey(device)) && spares.length > 0) {
        return { device: spares.shift() as RingDevice, slot, handoff: true };
      }
      return { device, slot, handoff: false };
    });
    return { targets, spares: [...spares, ...limitedSpares] };
  }
}
