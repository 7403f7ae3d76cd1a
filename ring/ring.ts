/**
 * Ring: the read side of placement. Immutable once loaded; lookups are synchronous and O(1):
 * partition of a path by hash, primaries from the replica table, handoffs generated lazily.
 */
import { readFile } from 'node:fs/promises';
import { StoreError, fromFsError } from '../common/index.js';
import type { Device } from './device.js';
import { loadXxhash, PathHasher } from './hash.js';
import { decodeRing, type RingData } from './ring-codec.js';
import { Topology } from './topology.js';
import { activeNodeLists, HandoffIterator } from './handoffs.js';

export class Ring {
  /** Increments with every rebalance that changed the placement. */
  readonly version: number;
  readonly partPower: number;
  readonly replicaCount: number;
  readonly partCount: number;
  /** Devices indexed by id; holes where devices were removed. */
  readonly devices: ReadonlyArray<Device | undefined>;
  readonly hashSecret: string;
  private readonly table: Uint16Array[];
  private readonly hasher: PathHasher;
  /** Failure-domain index for handoffs, built on first use so that loading stays fast. */
  private domains: { topo: Topology; lists: Int32Array[] } | undefined;

  private constructor(data: RingData, hasher: PathHasher) {
    this.version = data.version;
    this.partPower = data.partPower;
    this.replicaCount = data.replicas;
    this.partCount = 2 ** data.partPower;
    this.devices = Object.freeze(data.devices.slice());
    this.hashSecret = data.hashSecret;
    this.table = data.table;
    this.hasher = hasher;
  }

  /**
   * Reads a ring file (`*.ring.gz`).
   * @throws NOT_FOUND when the file is missing, CORRUPT when it is damaged
   */
  static async load(file: string): Promise<Ring> {
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (err) {
      throw fromFsError(err, `Cannot load ring "${file}"`);
    }
    return Ring.fromData(await decodeRing(bytes, `ring "${file}"`));
  }

  /** A ring from decoded (or freshly built) data. The tables are used, not copied. */
  static async fromData(data: RingData): Promise<Ring> {
    const api = await loadXxhash();
    return new Ring(data, new PathHasher(api, data.hashSecret, data.partPower));
  }

  /** Partition of "/a", "/a/c", "/a/c/o" or "/vol/17". */
  partOf(path: string): number {
    return this.hasher.partOf(path);
  }

  /** Device ids of the primaries of `part`, in replica order. @throws INVALID_ARGUMENT */
  primaryIds(part: number): number[] {
    this.checkPart(part);
    const out = new Array<number>(this.replicaCount);
    for (let r = 0; r < this.replicaCount; r++) out[r] = this.table[r]![part]!;
    return out;
  }

  /** The `replicaCount` distinct devices that hold `part`. @throws INVALID_ARGUMENT */
  primaries(part: number): Device[] {
    this.checkPart(part);
    const out = new Array<Device>(this.replicaCount);
    for (let r = 0; r < this.replicaCount; r++) out[r] = this.devices[this.table[r]![part]!]!;
    return out;
  }

  /**
   * Further devices for `part` when primaries fail: lazy and deterministic, never a primary,
   * devices in unused regions first, then unused zones, servers, devices. Only devices with
   * weight > 0. Single pass: call again to restart. @throws INVALID_ARGUMENT
   */
  handoffs(part: number): Iterable<Device> {
    this.checkPart(part);
    // The iterator is its own iterable (one pass; call handoffs() again to start over): proxies
    // ask for handoffs on every degraded request, and a wrapper object per call costs ~20%.
    if (!this.domains) {
      const topo = new Topology(this.devices);
      this.domains = { topo, lists: activeNodeLists(topo) };
    }
    return new HandoffIterator(this.domains.topo, this.domains.lists, this.devices, this.table, part);
  }

  /** The replica -> partition -> device table (read only; for reports and tools). */
  replicaTable(): ReadonlyArray<Uint16Array> {
    return this.table;
  }

  private checkPart(part: number): void {
    if (!Number.isInteger(part) || part < 0 || part >= this.partCount) {
      throw new StoreError('INVALID_ARGUMENT', `Cannot look up partition "${part}": not in 0..${this.partCount - 1}`);
    }
  }
}

/** Where the ring named `name` lives in a ring folder. */
export function ringFilePath(dir: string, name: 'account' | 'container' | 'object' | 'block'): string {
  return `${dir}/${name}.ring.gz`;
}
