/**
 * VolumeWriter: the write path of an attached volume. Before the first write to an extent it is
 * probed, copied up from the parent layer when the write does not cover it, and bumped past
 * stale replicas; then a write goes to every fresh replica of the writable layer and is
 * acknowledged once a majority took it (the slowest replica's answer is tracked by
 * LaggingWrites). FLUSH makes every acknowledged write durable on a majority, whichever
 * connection sent it, because the dirty set is per volume.
 */
import { StoreError, type Logger } from '../common/index.js';
import type { BlockPlacement, BlockReplica, ExtentClient, KeyedMutex } from '../cluster/index.js';
import { freshReplicas, majorityOf, type ExtentInfo } from './extent-info.js';
import { bump, copyUp, markStale } from './extent-repair.js';
import type { ExtentCache, Piece } from './extent-cache.js';
import { LaggingWrites } from './lagging-writes.js';

/** Payload bytes that replica writes may still hold after their NBD write was acknowledged. */
const MAX_LAGGING_BYTES = 64 * 1024 * 1024;

interface DirtyEntry { layer: string; index: number; replicas: BlockReplica[] }

export interface VolumeWriterDeps {
  extents: ExtentClient;
  placement: BlockPlacement;
  log: Logger;
  cache: ExtentCache;
  /** Per-extent lock shared with the read path (reads shared, repairs exclusive). */
  locks: KeyedMutex;
  volumeName: string;
  extentBytes: number;
}

export class VolumeWriter {
  readonly lagging = new LaggingWrites(MAX_LAGGING_BYTES);
  private dirty = new Map<string, DirtyEntry>();
  /** Bumps started by a replica that failed after its write was acknowledged. */
  private readonly background = new Set<Promise<void>>();

  constructor(private readonly deps: VolumeWriterDeps) {}

  /** True while a replica write to the extent has not answered. */
  busy(info: ExtentInfo): boolean {
    return this.lagging.extentBusy(info.index, info.replicas.map((r) => r.id));
  }

  /** Ensures an extent is probed, copied up when needed, and bumped, before a write. */
  private async prepare(p: Piece): Promise<void> {
    const { cache, extentBytes } = this.deps;
    const cached = cache.peek(p.index);
    const partial = !(p.offset === 0 && p.length === extentBytes);
    const needsCopy = (i: ExtentInfo) => !i.exists && !!i.source && !i.source.zeroed && (partial || !i.bumped);
    if (cached && cached.probed && cached.bumped && !needsCopy(cached)) return;
    await this.deps.locks.exclusive(String(p.index), async () => {
      const info = await cache.info(p.index, true);
      await this.lagging.settleExtent(p.index, info.replicas.map((r) => r.id));
      if (needsCopy(info)) await copyUp(this.deps.extents, info, cache.top, extentBytes);
      await bump(this.deps.extents, info, cache.top);
      if (info.exists) cache.topMap.mark(p.index, info.zeroed);
    });
  }

  /**
   * Writes `data` (or zeros when undefined) into one extent piece of the writable layer.
   * @throws QUORUM_NOT_MET when fewer than a majority of replicas took it
   */
  async writePiece(p: Piece, data: Buffer | undefined, fua: boolean): Promise<void> {
    const { cache, extentBytes, volumeName } = this.deps;
    await this.prepare(p);
    await this.lagging.throttle();
    const top = cache.top;
    const info = await this.deps.locks.shared(String(p.index), async () => {
      const info = await cache.info(p.index, true);
      const fresh = freshReplicas(info);
      const majority = majorityOf(info.replicas.length);
      if (fresh.length < majority) {
        throw new StoreError('QUORUM_NOT_MET', `Cannot write extent ${p.index} of volume "${volumeName}": only ${fresh.length} fresh replicas`);
      }
      const req = {
        layer: top, index: p.index, generation: info.generation, offset: p.offset, fua, extentSize: extentBytes,
        data: data ?? Buffer.alloc(0), zeroLength: data ? 0 : p.length,
      };
      const { ok, allZeroed } = await this.writeMajority(info, fresh, majority, top, req, fua);
      if (ok < majority) {
        throw new StoreError('QUORUM_NOT_MET', `Cannot write extent ${p.index} of volume "${volumeName}": only ${ok} replicas took it`);
      }
      const zeroedWhole = !data && ((p.offset === 0 && p.length === extentBytes) || allZeroed);
      if (data) info.zeroed = false;
      else if (zeroedWhole) info.zeroed = true;
      else if (!info.exists) info.zeroed = false;
      info.exists = true;
      cache.topMap.mark(p.index, info.zeroed);
      return info;
    });
    if (!info.bumped) await this.deps.locks.exclusive(String(p.index), () => this.bumpSettled(info, top));
  }

  /**
   * Sends a write to every fresh replica and resolves with the number that took it as soon as a
   * majority did (or can no longer), and whether all of those now hold only zeros: the slowest
   * replica is not waited for. Its answer still counts: a success joins the dirty set (flushed
   * later), a failure marks it stale and bumps the others in the background. A replica that went
   * stale meanwhile does not count.
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
      const dirtyKey = `${top}/${info.index}`;
      for (const r of fresh) {
        const write = this.deps.extents.write(r, req).then(
          (state) => {
            if (info.stale.has(r.id)) {
              failed++;
              return;
            }
            ok++;
            if (!state.zeroed) dataLeft = true;
            if (!fua) this.markDirty(dirtyKey, top, info.index, r);
          },
          (err: unknown) => {
            failed++;
            this.deps.log.warn({ volume: this.deps.volumeName, extent: info.index, err: (err as Error).message }, 'replica missed a write');
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
  async bumpSettled(info: ExtentInfo, top: string): Promise<void> {
    await this.lagging.settleExtent(info.index, info.replicas.map((r) => r.id));
    await bump(this.deps.extents, info, top);
  }

  /** A replica failed after the write was acknowledged: bump the others now, not at the next write. */
  private bumpLater(info: ExtentInfo, top: string): void {
    const done: Promise<void> = this.deps.locks.exclusive(String(info.index), () => this.bumpSettled(info, top)).catch((err: unknown) => {
      this.deps.log.warn({ volume: this.deps.volumeName, extent: info.index, err: (err as Error).message }, 'bump after a late replica failure deferred');
    }).finally(() => this.background.delete(done));
    this.background.add(done);
  }

  private noteDirty(layer: string, index: number, replicas: BlockReplica[]): void {
    const key = `${layer}/${index}`;
    for (const r of replicas) this.markDirty(key, layer, index, r);
  }

  /** Adds one replica of an extent (`key` = "layer/index") to the dirty set; called once per replica write. */
  private markDirty(key: string, layer: string, index: number, r: BlockReplica): void {
    const entry = this.dirty.get(key);
    if (!entry) this.dirty.set(key, { layer, index, replicas: [r] });
    else if (!entry.replicas.some((x) => x.id === r.id)) entry.replicas.push(r);
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
    if (short > 0) throw new StoreError('QUORUM_NOT_MET', `Cannot flush volume "${this.deps.volumeName}": ${short} extents are not durable on a majority`);
  }
}
