/**
 * ReplicatedVolume: the I/O engine of one attached volume. A request is split at extent
 * boundaries; each piece goes to the extent's writable-layer replicas (writes, a majority must
 * take them) or to one fresh replica of the newest layer holding it (reads). Stale replicas are
 * skipped, bumped past and resynced in the background (extent-repair.ts). FLUSH covers every
 * write acknowledged before it, whichever connection sent it, because the dirty set is per volume.
 */
import { StoreError, type Logger } from '../common/index.js';
import { KeyedMutex, type BlockPlacement, type BlockReplica, type ExtentClient } from '../cluster/index.js';
import { freshReplicas, majorityOf, resolveExtent, type ExtentInfo } from './extent-info.js';
import { bump, copyUp, markStale, readFromReplicas, resync } from './extent-repair.js';
import { LayerMap } from './layer-map.js';
import { LaggingWrites } from './lagging-writes.js';

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

interface Piece { index: number; offset: number; length: number; at: number }
interface DirtyEntry { layer: string; index: number; replicas: BlockReplica[] }

const MAX_CACHED_EXTENTS = 65_536;
/** Payload bytes that replica writes may still hold after their NBD write was acknowledged. */
const MAX_LAGGING_BYTES = 64 * 1024 * 1024;

export class ReplicatedVolume {
  private layers: string[];
  private maps: LayerMap[];
  private readonly infos = new Map<number, ExtentInfo>();
  private readonly locks = new KeyedMutex();
  private readonly gate = new KeyedMutex();
  private dirty = new Map<string, DirtyEntry>();
  private readonly lagging = new LaggingWrites(MAX_LAGGING_BYTES);
  /** Bumps started by a replica that failed after its write was acknowledged. */
  private readonly background = new Set<Promise<void>>();
  private scrubCursor = 0;
  /** Set when the lease is lost: every write fails from then on. */
  fenced = false;
  sizeBytes: number;
  readonly extentBytes: number;

  private constructor(private readonly deps: VolumeIoDeps, readonly view: VolumeView, maps: LayerMap[], readonly readOnly: boolean) {
    this.layers = [...view.layers];
    this.maps = maps;
    this.sizeBytes = view.sizeBytes;
    this.extentBytes = view.extentBytes;
  }

  /** Loads the layer maps. @throws QUORUM_NOT_MET */
  static async open(deps: VolumeIoDeps, view: VolumeView, readOnly: boolean): Promise<ReplicatedVolume> {
    const maps = await Promise.all(view.layers.map((l) => LayerMap.load(l, deps.placement, deps.extents, deps.replicaCount)));
    return new ReplicatedVolume(deps, view, maps, readOnly);
  }

  get currentLayers(): readonly string[] {
    return this.layers;
  }

  private split(offset: number, length: number): Piece[] {
    const out: Piece[] = [];
    let at = 0;
    while (at < length) {
      const pos = offset + at;
      const index = Math.floor(pos / this.extentBytes);
      const inner = pos - index * this.extentBytes;
      const n = Math.min(length - at, this.extentBytes - inner);
      out.push({ index, offset: inner, length: n, at });
      at += n;
    }
    return out;
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

  private anyLayerHas(index: number): boolean {
    return this.infos.has(index) || this.maps.some((m) => m.has(index));
  }

  private async info(index: number, probeTop: boolean): Promise<ExtentInfo> {
    const cached = this.infos.get(index);
    if (cached && (cached.probed || !probeTop)) return cached;
    const info = await resolveExtent(this.deps.extents, this.deps.placement, this.layers, this.maps, index, probeTop);
    const again = this.infos.get(index);
    if (again && (again.probed || !probeTop)) return again;
    this.infos.set(index, info);
    if (this.infos.size > MAX_CACHED_EXTENTS) this.evict();
    return info;
  }

  private evict(): void {
    for (const [i, info] of this.infos) {
      if (this.infos.size <= MAX_CACHED_EXTENTS / 2) break;
      // An extent with writes still running keeps its info: a late failure must be recorded.
      if (info.stale.size === 0 && info.bumped && !this.lagging.extentBusy(i, info.replicas.map((r) => r.id))) this.infos.delete(i);
    }
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
    if (!this.anyLayerHas(p.index)) return undefined;
    return this.locks.shared(String(p.index), async () => {
      const info = await this.info(p.index, false);
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
    const fresh = freshReplicas(info);
    const ready = fresh.filter((r) => !this.lagging.pending(p.index, r.id));
    if (ready.length > 0) {
      try {
        return await readFromReplicas(this.deps.extents, ready, this.layers[0], p.index, p.offset, p.length, info.generation);
      } catch (err) {
        if (ready.length === fresh.length) throw err;
      }
    }
    await this.lagging.settleExtent(p.index, fresh.map((r) => r.id));
    return readFromReplicas(this.deps.extents, freshReplicas(info), this.layers[0], p.index, p.offset, p.length, info.generation);
  }

  /** Writes data; with `fua` it is durable on a majority before this returns. */
  async write(offset: number, data: Buffer, fua: boolean): Promise<void> {
    this.checkWritable();
    this.checkRange(offset, data.length, 'write');
    await this.gate.shared('io', () => Promise.all(this.split(offset, data.length).map((p) =>
      this.writePiece(p, data.subarray(p.at, p.at + p.length), fua))));
  }

  /**
   * Zeroes a range. Whole extents are freed; a partial extent is written with zeros (the node
   * frees it when it holds only zeros then), except a TRIM over parent data (TRIM is advisory)
   * and `fastZero` (NOT_IMPLEMENTED, before anything changes).
   */
  async zero(offset: number, length: number, opts: { trim: boolean; fua: boolean; fastZero: boolean }): Promise<void> {
    this.checkWritable();
    this.checkRange(offset, length, 'zero');
    await this.gate.shared('io', async () => {
      const todo: Piece[] = [];
      for (const p of this.split(offset, length)) {
        if (!this.anyLayerHas(p.index)) continue;
        const info = await this.info(p.index, false);
        const readsZero = info.exists ? info.zeroed : !info.source || info.source.zeroed;
        if (readsZero) continue;
        const whole = p.offset === 0 && (p.length === this.extentBytes || p.index * this.extentBytes + p.length >= this.sizeBytes);
        // A partial TRIM zeroes its range in extents the writable layer holds (the node frees
        // the extent once nothing but zeros is left); over parent data it is skipped, since
        // zeroing there would first copy the whole extent up (TRIM is advisory).
        if (!whole && opts.trim && !info.exists) continue;
        if (!whole && opts.fastZero) throw new StoreError('NOT_IMPLEMENTED', `Cannot zero volume "${this.view.name}" fast at ${offset}+${length}: partial extents need writing`);
        todo.push(whole ? { ...p, length: this.extentBytes } : p);
      }
      await Promise.all(todo.map((p) => this.writePiece(p, undefined, opts.fua)));
    });
  }

  /** Ensures an extent is probed, copied up when needed, and bumped, before a write. */
  private async prepare(p: Piece): Promise<void> {
    const cached = this.infos.get(p.index);
    const partial = !(p.offset === 0 && p.length === this.extentBytes);
    const needsCopy = (i: ExtentInfo) => !i.exists && !!i.source && !i.source.zeroed && (partial || !i.bumped);
    if (cached && cached.probed && cached.bumped && !needsCopy(cached)) return;
    await this.locks.exclusive(String(p.index), async () => {
      const info = await this.info(p.index, true);
      await this.lagging.settleExtent(p.index, info.replicas.map((r) => r.id));
      if (needsCopy(info)) await copyUp(this.deps.extents, info, this.layers[0], this.extentBytes);
      await bump(this.deps.extents, info, this.layers[0]);
      if (info.exists) this.maps[0].mark(p.index, info.zeroed);
    });
  }

  private async writePiece(p: Piece, data: Buffer | undefined, fua: boolean): Promise<void> {
    await this.prepare(p);
    await this.lagging.throttle();
    const top = this.layers[0];
    const info = await this.locks.shared(String(p.index), async () => {
      const info = await this.info(p.index, true);
      const fresh = freshReplicas(info);
      const majority = majorityOf(info.replicas.length);
      if (fresh.length < majority) {
        throw new StoreError('QUORUM_NOT_MET', `Cannot write extent ${p.index} of volume "${this.view.name}": only ${fresh.length} fresh replicas`);
      }
      const req = {
        layer: top, index: p.index, generation: info.generation, offset: p.offset, fua, extentSize: this.extentBytes,
        data: data ?? Buffer.alloc(0), zeroLength: data ? 0 : p.length,
      };
      const { ok, allZeroed } = await this.writeMajority(info, fresh, majority, top, req, fua);
      if (ok < majority) {
        throw new StoreError('QUORUM_NOT_MET', `Cannot write extent ${p.index} of volume "${this.view.name}": only ${ok} replicas took it`);
      }
      const zeroedWhole = !data && ((p.offset === 0 && p.length === this.extentBytes) || allZeroed);
      if (data) info.zeroed = false;
      else if (zeroedWhole) info.zeroed = true;
      else if (!info.exists) info.zeroed = false;
      info.exists = true;
      this.maps[0].mark(p.index, info.zeroed);
      return info;
    });
    if (!info.bumped) await this.locks.exclusive(String(p.index), () => this.bumpSettled(info, top));
  }

  /**
   * Sends a write to every fresh replica and resolves with the number that took it as soon as a
   * majority did (or can no longer), and whether all of those now hold only zeros: the slowest
   * replica is not waited for. Its answer still
   * counts: a success joins the dirty set (flushed later), a failure marks it stale and bumps the
   * others in the background. A replica that went stale meanwhile does not count.
   */
  private writeMajority(
    info: ExtentInfo, fresh: BlockReplica[], majority: number, top: string, req: Parameters<ExtentClient['write']>[1], fua: boolean,
  ): Promise<{ ok: number; allZeroed: boolean }> {
    return new Promise((resolve) => {
      let ok = 0;
      let failed = 0;
      let answered = false;
      let dataLeft = false;
      const bytes = req.data.length;
      for (const r of fresh) {
        const write = this.deps.extents.write(r, req).then(
          (state) => {
            if (info.stale.has(r.id)) {
              failed++;
              return;
            }
            ok++;
            if (!state.zeroed) dataLeft = true;
            if (!fua) this.noteDirty(top, info.index, [r]);
          },
          (err: unknown) => {
            failed++;
            this.deps.log.warn({ volume: this.view.name, extent: info.index, err: (err as Error).message }, 'replica missed a write');
            markStale(info, r);
            if (answered) this.bumpLater(info, top);
          },
        ).then(() => {
          if (answered) return;
          if (ok >= majority || failed > fresh.length - majority) {
            answered = true;
            resolve({ ok, allZeroed: !dataLeft });
          }
        });
        this.lagging.track(info.index, r.id, write, bytes);
      }
    });
  }

  /** Bumps an extent's fresh replicas once the writes running on it have answered. Holds the extent exclusively. */
  private async bumpSettled(info: ExtentInfo, top: string): Promise<void> {
    await this.lagging.settleExtent(info.index, info.replicas.map((r) => r.id));
    await bump(this.deps.extents, info, top);
  }

  /** A replica failed after the write was acknowledged: bump the others now, not at the next write. */
  private bumpLater(info: ExtentInfo, top: string): void {
    const done: Promise<void> = this.locks.exclusive(String(info.index), () => this.bumpSettled(info, top)).catch((err: unknown) => {
      this.deps.log.warn({ volume: this.view.name, extent: info.index, err: (err as Error).message }, 'bump after a late replica failure deferred');
    }).finally(() => this.background.delete(done));
    this.background.add(done);
  }

  private noteDirty(layer: string, index: number, replicas: BlockReplica[]): void {
    const key = `${layer}/${index}`;
    const entry = this.dirty.get(key);
    if (!entry) {
      this.dirty.set(key, { layer, index, replicas: [...replicas] });
      return;
    }
    for (const r of replicas) if (!entry.replicas.some((x) => x.id === r.id)) entry.replicas.push(r);
  }

  /** Makes every acknowledged write durable on a majority. @throws QUORUM_NOT_MET */
  async flush(): Promise<void> {
    // Writes acknowledged by a majority may still be running on the slowest replica: their
    // outcome decides what the dirty set and the stale marks hold.
    await this.lagging.settleAll();
    await Promise.all([...this.background]);
    const entries = [...this.dirty.values()];
    this.dirty = new Map();
    const byReplica = new Map<string, { replica: BlockReplica; refs: Array<{ layer: string; index: number }> }>();
    for (const e of entries) {
      for (const r of e.replicas) {
        const k = `${r.ip}:${r.port}/${r.device}`;
        const g = byReplica.get(k) ?? { replica: r, refs: [] };
        g.refs.push({ layer: e.layer, index: e.index });
        byReplica.set(k, g);
      }
    }
    const groups = [...byReplica.values()];
    const results = await Promise.allSettled(groups.map((g) => this.deps.extents.flush(g.replica, g.refs)));
    const failed = new Set<number>();
    results.forEach((r, i) => {
      if (r.status === 'rejected') failed.add(groups[i].replica.id);
    });
    let short = 0;
    for (const e of entries) {
      const durable = e.replicas.filter((r) => !failed.has(r.id)).length;
      if (durable < majorityOf(this.deps.placement.extentReplicas(e.layer, e.index).length)) {
        short++;
        this.noteDirty(e.layer, e.index, e.replicas);
      }
    }
    if (short > 0) throw new StoreError('QUORUM_NOT_MET', `Cannot flush volume "${this.view.name}": ${short} extents are not durable on a majority`);
  }

  /** Allocation map of a range, per extent, with no network calls. */
  blockStatus(offset: number, length: number): AllocationRun[] {
    this.checkRange(offset, length, 'map');
    const runs: AllocationRun[] = [];
    for (const p of this.split(offset, length)) {
      const flags = this.allocationFlags(p.index);
      const last = runs[runs.length - 1];
      if (last && last.flags === flags) last.length += p.length;
      else runs.push({ length: p.length, flags });
    }
    return runs;
  }

  private allocationFlags(index: number): number {
    const info = this.infos.get(index);
    if (info?.exists) return info.zeroed ? 3 : 0;
    for (const m of this.maps) if (m.has(index)) return m.isZeroed(index) ? 3 : 0;
    return 3;
  }

  /** One pass of background resync over extents with stale replicas; returns replicas fixed. */
  async resyncOnce(limit = 64): Promise<number> {
    let fixed = 0;
    let seen = 0;
    for (const info of [...this.infos.values()]) {
      if (info.stale.size === 0) continue;
      if (++seen > limit) break;
      try {
        fixed += await this.gate.shared('io', () => this.locks.exclusive(String(info.index), async () => {
          await this.lagging.settleExtent(info.index, info.replicas.map((r) => r.id));
          return resync(this.deps.extents, info, this.layers[0], this.extentBytes);
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
      const index = this.maps[0].next(this.scrubCursor);
      if (index < 0) {
        this.scrubCursor = 0;
        return true;
      }
      this.scrubCursor = index + 1;
      if (this.infos.get(index)?.probed) continue;
      probed++;
      await this.gate.shared('io', () => this.locks.shared(String(index), () => this.info(index, true))).catch((err: unknown) => {
        this.deps.log.debug({ volume: this.view.name, extent: index, err: (err as Error).message }, 'scrub deferred');
      });
    }
    return false;
  }

  /** Number of extents with stale replicas (for metrics and tests). */
  get staleExtents(): number {
    let n = 0;
    for (const info of this.infos.values()) if (info.stale.size > 0) n++;
    return n;
  }

  /**
   * Runs `fn` with all I/O stopped and flushed, then continues on the layers it returns (a
   * snapshot freezes the writable layer at this point in time).
   */
  async quiesced(fn: () => Promise<string[] | undefined>): Promise<void> {
    await this.gate.exclusive('io', async () => {
      await this.flush();
      const layers = await fn();
      if (!layers || layers[0] === this.layers[0]) return;
      const kept = new Map(this.layers.map((l, i) => [l, this.maps[i]]));
      this.maps = layers.map((l) => kept.get(l) ?? new LayerMap(l));
      this.layers = [...layers];
      this.infos.clear();
      this.scrubCursor = 0;
    });
  }
}
