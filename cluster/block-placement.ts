/**
 * Where block data and block metadata live: the block ring maps "/<layer>/<extentIndex>" (extents)
 * and "/.block/<key>" (metadata registers) to replica devices. The interface is the part of
 * ring/'s Ring that the block layer needs, so tests can place data on in-process nodes.
 */

/** One replica location: a device on a storage node. */
export interface BlockReplica {
  /** Stable identity for tracking (ring device id). */
  id: number;
  ip: string;
  port: number;
  device: string;
}

/** The subset of ring/'s Ring the block layer uses. */
export interface BlockRingLike {
  readonly replicaCount: number;
  partOf(path: string): number;
  primaries(part: number): ReadonlyArray<{ id: number; ip: string; port: number; device: string }>;
}

/** Finds replicas for extents and metadata registers. */
export interface BlockPlacement {
  /** Replicas of an extent, primaries only (majority writes tolerate a minority down). */
  extentReplicas(layer: string, index: number): BlockReplica[];
  /** Replicas of a metadata register. */
  registerReplicas(key: string): BlockReplica[];
  /** Every device of the ring (for layer deletion and listing). */
  allDevices(): BlockReplica[];
}

/** Placement by a block ring; `ringRef` is read on every lookup so a reloaded ring is used. */
export class RingBlockPlacement implements BlockPlacement {
  constructor(private readonly ringRef: () => BlockRingLike & { devices: ReadonlyArray<{ id: number; ip: string; port: number; device: string; weight?: number } | undefined> }) {}

  private lookup(path: string): BlockReplica[] {
    const ring = this.ringRef();
    return ring.primaries(ring.partOf(path)).map((d) => ({ id: d.id, ip: d.ip, port: d.port, device: d.device }));
  }

  extentReplicas(layer: string, index: number): BlockReplica[] {
    return this.lookup(`/${layer}/${index}`);
  }

  registerReplicas(key: string): BlockReplica[] {
    return this.lookup(`/.block/${key}`);
  }

  allDevices(): BlockReplica[] {
    const out: BlockReplica[] = [];
    for (const d of this.ringRef().devices) if (d) out.push({ id: d.id, ip: d.ip, port: d.port, device: d.device });
    return out;
  }
}

/** Fixed placement over a list of devices, by hash; for tests and single-host setups. */
export class StaticBlockPlacement implements BlockPlacement {
  constructor(private readonly devices: BlockReplica[], private readonly replicas = 3) {}

  private pick(path: string): BlockReplica[] {
    let h = 2166136261;
    for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 16777619) >>> 0;
    const n = Math.min(this.replicas, this.devices.length);
    const out: BlockReplica[] = [];
    for (let i = 0; i < n; i++) out.push(this.devices[(h + i) % this.devices.length]);
    return out;
  }

  extentReplicas(layer: string, index: number): BlockReplica[] {
    return this.pick(`/${layer}/${index}`);
  }

  registerReplicas(key: string): BlockReplica[] {
    return this.pick(`/.block/${key}`);
  }

  allDevices(): BlockReplica[] {
    return [...this.devices];
  }
}
