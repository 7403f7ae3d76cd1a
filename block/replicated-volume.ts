/**
 * ReplicatedVolume: the I/O engine of one attached volume. A request is split at extent
 * boundaries; reads of each piece go to one fresh replica of the newest layer holding it, writes
 * to the writable layer's replicas through VolumeWriter (a majority must take them). Stale
 * replicas are skipped, bumped past and resynced in the background (extent-repair.ts); a scrub
 * finds replicas that missed writes before this gateway attached.
 */
import { StoreError, type Logger } from '../common/index.js';
import { KeyedMutex, type BlockPlacement, type ExtentClient } from '../cluster/index.js';
import { freshReplicas, type ExtentInfo } from './extent-info.js';
import { readFromReplicas, resync } from './extent-repair.js';
import { ExtentCache, splitRange, type Piece } from './extent-cache.js';
import { LayerMap } from './layer-map.js';
import { VolumeWriter } from './volume-writer.js';

export interface VolumeView {
  id: string;
  name: string;
  sizeBytes: number;
  extentBytes: number;
  /** Writable layer first (for a read-only snapshot view: its newest frozen layer). */
  layers: string[];
}

export interface VolumeIoDeps {
  extents: ExtentClient;
  placement: BlockPlacement;
  log: Logger;
  /** Replicas per extent in the block ring (for listing tolerance). */
  replicaCount: number;
}

/** A run of the allocation map: flags are NBD base:allocation bits (1 hole, 2 zero). */
export interface AllocationRun { length: number; flags: number }

/** What zero() does: TRIM (advisory) or WRITE_ZEROES, FUA, and FAST_ZERO (fail rather than write). */
export interface ZeroOptions { trim: boolean; fua: boolean; fastZero: boolean }

export class ReplicatedVolume {
  private readonly cache: ExtentCache;
  private readonly writer: VolumeWriter;
  private readonly locks = new KeyedMutex();
  /** Shared by I/O, exclusive for a quiesced point in time (snapshots). */
  private readonly gate = new KeyedMutex();
  private scrubCursor = 0;
  /** Set when the lease is lost: every write fails from then on. */
  fenced = false;
  sizeBytes: number;
  readonly extentBytes: number;

  private constructor(private readonly deps: VolumeIoDeps, readonly view: VolumeView, maps: LayerMap[], readonly readOnly: boolean) {
    this.sizeBytes = view.sizeBytes;
    this.extentBytes = view.extentBytes;
    this.cache = new ExtentCache(deps.extents, deps.placement, view.layers, maps, (info) => this.writer.busy(info));
    this.writer = new VolumeWriter({
      extents: deps.extents, placement: deps.placement, log: deps.log, cache: this.cache, locks: this.locks,
      volumeName: view.name, extentBytes: view.extentBytes,
    });
  }

  /** Loads the layer maps. @throws QUORUM_NOT_MET */
  static async open(deps: VolumeIoDeps, view: VolumeView, readOnly: boolean): Promise<ReplicatedVolume> {
    const maps = await Promise.all(view.layers.map((l) => LayerMap.load(l, deps.placement, deps.extents, deps.replicaCount)));
    return new ReplicatedVolume(deps, view, maps, readOnly);
  }

  get currentLayers(): readonly string[] {
    return this.cache.layers;
  }

  private split(offset: number, length: number): Piece[] {
    return splitRange(offset, length, this.extentBytes);
  }

  private checkRange(offset: number, length: number, action: string): void {
    if (offset < 0 || length < 0 || offset + length > this.sizeBytes) {
      throw new StoreError('RANGE_NOT_SATISFIABLE', `Cannot ${action} volume "${this.view.name}" at ${offset}+${length}: past its size ${this.sizeBytes}`);
    }
  }

  private checkWritable(): void {
    if (this.readOnly) throw new StoreError('PERMISSION_DENIED', `Cannot write volume "${this.view.name}": read-only export`);
    if (this.fenced) throw new StoreError('UNAVAILABLE', `Cannot write volume "${this.view.name}": the gateway lost its lease`);
  }

  /**
   * Reads a range: one entry per extent piece, `data` undefined where it reads as zeros.
   * @throws RANGE_NOT_SATISFIABLE, UNAVAILABLE, QUORUM_NOT_MET
   */
  async read(offset: number, length: number): Promise<Array<{ at: number; length: number; data?: Buffer }>> {
    this.checkRange(offset, length, 'read');
    return this.gate.shared('io', () => Promise.all(this.split(offset, length).map(async (p) => ({ at: p.at, length: p.length, data: await this.readPiece(p) }))));
  }

  private async readPiece(p: Piece): Promise<Buffer | undefined> {
    if (!this.cache.anyLayerHas(p.index)) return undefined;
    return this.locks.shared(String(p.index), async () => {
      const info = await this.cache.info(p.index, false);
      if (info.exists) {
        if (info.zeroed) return undefined;
        return this.readTop(info, p);
      }
      if (info.source && !info.source.zeroed) {
        return readFromReplicas(this.deps.extents, info.source.fresh, info.source.layer, p.index, p.offset, p.length, 0);
      }
      return undefined;
    });
  }

  /**
   * Reads from a fresh replica of the writable layer that has no write still running on this
   * extent (so it holds every acknowledged write); if none, waits for them to answer.
   */
  private async readTop(info: ExtentInfo, p: Piece): Promise<Buffer | undefined> {
    const lagging = this.writer.lagging;
    const fresh = freshReplicas(info);
    const ready = fresh.filter((r) => !lagging.pending(p.index, r.id));
    if (ready.length > 0) {
      try {
        return await readFromReplicas(this.deps.extents, ready, this.cache.top, p.index, p.offset, p.length, info.generation);
      } catch (err) {
        if (ready.length === fresh.length) throw err;
      }
    }
    await lagging.settleExtent(p.index, fresh.map((r) => r.id));
    return readFromReplicas(this.deps.extents, freshReplicas(info), this.cache.top, p.index, p.offset, p.length, info.generation);
  }

  /** Writes data; with `fua` it is durable on a majority before this returns. */
  async write(offset: number, data: Buffer, fua: boolean): Promise<void> {
    this.checkWritable();
    this.checkRange(offset, data.length, 'write');
    await this.gate.shared('io', () => Promise.all(this.split(offset, data.length).map((p) =>
      this.writer.writePiece(p, data.subarray(p.at, p.at + p.length), fua))));
  }

  /**
   * Zeroes a range. An extent covered whole is replaced by an empty (header-only) extent in the
   * writable layer: it reads as zeros, frees that layer's data and hides any parent data. A
   * partial extent is written with zeros (WRITE_ZEROES over parent data first copies the
   * extent up, so the range reads back as zeros; the node frees an extent left all zeros).
   * A partial TRIM over parent data is skipped: TRIM is advisory (the NBD spec lets it leave
   * data), and zeroing there would copy the whole extent up, using space instead of freeing it.
   * `fastZero` refuses (NOT_IMPLEMENTED) before anything changes when a partial extent needs writing.
   */
  async zero(offset: number, length: number, opts: ZeroOptions): Promise<void> {
    this.checkWritable();
    this.checkRange(offset, length, 'zero');
    await this.gate.shared('io', async () => {
      const todo: Piece[] = [];
      for (const p of this.split(offset, length)) {
        if (!this.cache.anyLayerHas(p.index)) continue;
        const info = await this.cache.info(p.index, false);
        const readsZero = info.exists ? info.zeroed : !info.source || info.source.zeroed;
        if (readsZero) continue;
        const whole = p.offset === 0 && (p.length === this.extentBytes || p.index * this.extentBytes + p.length >= this.sizeBytes);
        if (!whole && opts.trim && !info.exists) continue;
        if (!whole && opts.fastZero) throw new StoreError('NOT_IMPLEMENTED', `Cannot zero volume "${this.view.name}" fast at ${offset}+${length}: partial extents need writing`);
        todo.push(whole ? { ...p, length: this.extentBytes } : p);
      }
      await Promise.all(todo.map((p) => this.writer.writePiece(p, undefined, opts.fua)));
    });
  }

  /** Makes every acknowledged write durable on a majority. @throws QUORUM_NOT_MET */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  /** Allocation map of a range, per extent, with no network calls. */
  blockStatus(offset: number, length: number): AllocationRun[] {
    this.checkRange(offset, length, 'map');
    const runs: AllocationRun[] = [];
    for (const p of this.split(offset, length)) {
      const flags = this.cache.allocationFlags(p.index);
      const last = runs[runs.length - 1];
      if (last && last.flags === flags) last.length += p.length;
      else runs.push({ length: p.length, flags });
    }
    return runs;
  }

  /** One pass of background resync over extents with stale replicas; returns replicas fixed. */
  async resyncOnce(limit = 64): Promise<number> {
    let fixed = 0;
    let seen = 0;
    for (const info of [...this.cache.values()]) {
      if (info.stale.size === 0) continue;
      if (++seen > limit) break;
      try {
        fixed += await this.gate.shared('io', () => this.locks.exclusive(String(info.index), async () => {
          await this.writer.lagging.settleExtent(info.index, info.replicas.map((r) => r.id));
          return resync(this.deps.extents, info, this.cache.top, this.extentBytes);
        }));
      } catch (err) {
        this.deps.log.debug({ volume: this.view.name, extent: info.index, err: (err as Error).message }, 'resync deferred');
      }
    }
    return fixed;
  }

  /**
   * One step of the background scrub: asks the replicas of the next `limit` stored extents of the
   * writable layer for their generations, so replicas that missed writes before this gateway
   * attached are found (and then resynced) even if nobody touches those extents. Returns true
   * when a full pass over the layer has completed.
   */
  async scrubStep(limit = 32): Promise<boolean> {
    let probed = 0;
    while (probed < limit) {
      const index = this.cache.topMap.next(this.scrubCursor);
      if (index < 0) {
        this.scrubCursor = 0;
        return true;
      }
      this.scrubCursor = index + 1;
      if (this.cache.peek(index)?.probed) continue;
      probed++;
      await this.gate.shared('io', () => this.locks.shared(String(index), () => this.cache.info(index, true))).catch((err: unknown) => {
        this.deps.log.debug({ volume: this.view.name, extent: index, err: (err as Error).message }, 'scrub deferred');
      });
    }
    return false;
  }

  /** Number of extents with stale replicas (for metrics and tests). */
  get staleExtents(): number {
    let n = 0;
    for (const info of this.cache.values()) if (info.stale.size > 0) n++;
    return n;
  }

  /**
   * Runs `fn` with all I/O stopped and flushed, then continues on the layers it returns (a
   * snapshot freezes the writable layer at this point in time).
   */
  async quiesced(fn: () => Promise<string[] | undefined>): Promise<void> {
    await this.gate.exclusive('io', async () => {
      await this.writer.flush();
      const layers = await fn();
      if (!layers || layers[0] === this.cache.top) return;
      this.cache.reset(layers);
      this.scrubCursor = 0;
    });
  }
}
