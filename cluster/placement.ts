/**
 * Placement: where a request goes. Wraps a ring (read through a RingSource, so a reloaded ring is
 * used by the next request) and answers, for an account, container or object path, its partition,
 * its primaries and a bounded list of handoffs. Read order and write targets take the error
 * limiter into account: a node that failed recently goes last for reads and is replaced by a
 * handoff for writes. While data moves after a ring change, the primaries of the previous ring
 * (the one in use before the last reload) that are no longer primaries are read after the new
 * primaries and before the handoffs: the data is still there until the replicators moved it.
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
  /** Calls `fn` after each reload (optional: without it a change is noticed at the next request). */
  onReload?(fn: (ring: PlacementRing) => void): void;
}

/** A device chosen for one request, with the replica slot it serves (handoffs take a primary's). */
export interface PlacedNode {
  device: RingDevice;
  /** Index of the primary this node stands for (0..replicas-1). */
  slot: number;
  handoff: boolean;
  /** A primary of the previous ring that is not one now (reads only). */
  previous?: boolean;
}

export interface PlacementResult {
  partition: number;
  replicaCount: number;
  primaries: RingDevice[];
  /** Up to `maxHandoffs` handoffs, in ring order. */
  handoffs: RingDevice[];
  /** Primaries of the previous ring that are not primaries now, in its replica order. */
  previous: RingDevice[];
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
  /** The ring the last request used, and the one before it (differing versions). */
  private current: PlacementRing | undefined;
  private before: PlacementRing | undefined;

  constructor(private readonly source: RingSource, private readonly limiter: ErrorLimiter, private readonly maxHandoffs: number) {
    try {
      this.current = source.ring;
    } catch {
      // Not loaded yet (a RingWatcher before start()): the first request or reload sets it.
    }
    source.onReload?.((ring) => this.noteRing(ring));
  }

  /** The version of the previous ring still consulted for reads, if any. */
  get previousVersion(): number | undefined {
    return this.before?.version;
  }

  /** Partition, primaries, previous primaries and handoffs of a path. */
  locate(path: string): PlacementResult {
    const ring = this.source.ring;
    this.noteRing(ring);
    const partition = ring.partOf(path);
    const primaries = ring.primaries(partition);
    const previous = this.previousPrimaries(path, partition, primaries);
    const handoffs: RingDevice[] = [];
    if (this.maxHandoffs > 0) {
      for (const d of ring.handoffs(partition)) {
        handoffs.push(d);
        if (handoffs.length >= this.maxHandoffs) break;
      }
    }
    return { partition, replicaCount: primaries.length, primaries, handoffs, previous };
  }

  /**
   * Nodes to try for a read, in order: healthy primaries, healthy previous primaries, healthy
   * handoffs (a previous primary that is also a handoff is asked once), then error-limited ones
   * (last resort rather than skipped, so a read never fails only because of the limiter).
   */
  readOrder(p: PlacementResult): PlacedNode[] {
    const previous = new Set(p.previous.map(deviceKey));
    const all: PlacedNode[] = [
      ...p.primaries.map((device, slot) => ({ device, slot, handoff: false })),
      ...p.previous.map((device, i) => ({ device, slot: i % Math.max(1, p.replicaCount), handoff: false, previous: true })),
      ...p.handoffs.flatMap((device, i) =>
        (previous.has(deviceKey(device)) ? [] : [{ device, slot: i % Math.max(1, p.replicaCount), handoff: true }])),
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

  /** Remembers a ring change: the ring in use until now becomes the previous one. */
  private noteRing(ring: PlacementRing): void {
    if (ring === this.current) return;
    if (this.current && ring.version !== this.current.version) this.before = this.current;
    this.current = ring;
  }

  /** The previous ring's primaries of the same partition that are not primaries now. */
  private previousPrimaries(path: string, partition: number, primaries: RingDevice[]): RingDevice[] {
    const before = this.before;
    // A ring with another part power numbers partitions differently: nothing to learn from it.
    if (!before || before.partOf(path) !== partition) return [];
    const now = new Set(primaries.map(deviceKey));
    return before.primaries(partition).filter((d) => !now.has(deviceKey(d)));
  }
}
