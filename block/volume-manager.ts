/**
 * VolumeManager: volume and snapshot administration over the catalog register (create, list,
 * show, extend, snapshot, clone, delete) and the per-volume leases. Deletion first removes the
 * records (so nothing can attach), then frees the layers that nothing reads any more on every
 * device of the block ring.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreError, systemClock, type Clock } from '../common/index.js';
import type { BlockPlacement, ExtentClient, RegisterClient } from '../cluster/index.js';
import {
  addVolume, cloneSnapshot, extendVolume, findVolume, newId, parseCatalog, removeSnapshot, removeVolume,
  snapshotVolume, DEFAULT_EXTENT_BYTES, type Catalog, type SnapshotRecord, type VolumeRecord,
} from './volume-catalog.js';
import { isLive, leaseKey, parseLease, type LeaseValue } from './volume-lease.js';
import { reclaimExtents } from './extent-reclaim.js';

export const CATALOG_KEY = 'catalog';

export interface VolumeManagerDeps {
  registers: RegisterClient;
  extents: ExtentClient;
  placement: BlockPlacement;
  clock?: Clock;
}

export interface VolumeDetails {
  volume: VolumeRecord;
  snapshots: SnapshotRecord[];
  lease?: LeaseValue;
  /** Bytes stored for the volume's own writable layer, summed over replicas. */
  usedBytes: number;
}

export class VolumeManager {
  private readonly clock: Clock;

  constructor(private readonly deps: VolumeManagerDeps) {
    this.clock = deps.clock ?? systemClock;
  }

  /** The current catalog (one consensus round). @throws QUORUM_NOT_MET, CORRUPT */
  async catalog(): Promise<Catalog> {
    return parseCatalog(await this.deps.registers.read(CATALOG_KEY));
  }

  /** Applies a change to the catalog atomically; returns what `fn` returns. */
  private async update<T>(fn: (c: Catalog) => { catalog: Catalog; result: T }): Promise<T> {
    let result: T | undefined;
    await this.deps.registers.change(CATALOG_KEY, (text) => {
      const out = fn(parseCatalog(text));
      result = out.result;
      return JSON.stringify(out.catalog);
    });
    return result as T;
  }

  /** @throws ALREADY_EXISTS, INVALID_ARGUMENT */
  async create(name: string, sizeBytes: number, extentBytes = DEFAULT_EXTENT_BYTES): Promise<VolumeRecord> {
    const volume: VolumeRecord = { id: newId('vol'), name, sizeBytes, extentBytes, layers: [newId('l')], createdAtMs: this.clock.nowMs() };
    return this.update((c) => ({ catalog: addVolume(c, volume), result: volume }));
  }

  async list(): Promise<Catalog> {
    return this.catalog();
  }

  /** @throws NOT_FOUND */
  async show(ref: string): Promise<VolumeDetails> {
    const c = await this.catalog();
    const volume = findVolume(c, ref);
    const lease = parseLease(await this.deps.registers.read(leaseKey(volume.id)));
    return {
      volume,
      snapshots: c.snapshots.filter((s) => s.volumeId === volume.id),
      lease: isLive(lease, this.clock.nowMs()) ? lease : undefined,
      usedBytes: await this.layerBytes(volume.layers[0]),
    };
  }

  /** Grows a volume; an attached gateway picks the new size up for new connections. */
  async extend(ref: string, sizeBytes: number): Promise<VolumeRecord> {
    return this.update((c) => {
      const catalog = extendVolume(c, ref, sizeBytes);
      return { catalog, result: findVolume(catalog, ref) };
    });
  }

  /**
   * Takes a snapshot. A detached volume is changed here; an attached one through its gateway (a
   * request in the lease register), which freezes the layer between two writes.
   * @throws NOT_FOUND, ALREADY_EXISTS, TIMEOUT when the gateway does not act in time
   */
  async snapshot(ref: string, name: string, timeoutMs = 15_000): Promise<SnapshotRecord> {
    const volume = findVolume(await this.catalog(), ref);
    const reqId = randomUUID();
    let attached = false;
    await this.deps.registers.change(leaseKey(volume.id), (text) => {
      attached = false;
      const lease = parseLease(text);
      if (!isLive(lease, this.clock.nowMs())) return text;
      attached = true;
      return JSON.stringify({ ...lease, requests: [...lease.requests, { id: reqId, name }] });
    });
    if (!attached) {
      return this.update((c) => {
        const { catalog, snapshot } = snapshotVolume(c, volume.id, name, this.clock.nowMs());
        return { catalog, result: snapshot };
      });
    }
    const deadline = this.clock.monoMs() + timeoutMs;
    while (this.clock.monoMs() < deadline) {
      await sleep(200);
      const lease = parseLease(await this.deps.registers.read(leaseKey(volume.id)));
      const req = lease?.requests.find((r) => r.id === reqId);
      if (req?.doneSnapshotId) return findSnapshotById(await this.catalog(), req.doneSnapshotId);
      if (req?.error) throw new StoreError(req.errorCode === 'ALREADY_EXISTS' ? 'ALREADY_EXISTS' : 'INTERNAL', req.error);
      if (!lease || !req) break;
    }
    throw new StoreError('TIMEOUT', `Cannot snapshot volume "${volume.name}": its gateway did not take the snapshot in time`);
  }

  /** @throws NOT_FOUND, ALREADY_EXISTS */
  async clone(snapshotRef: string, name: string, volumeRef?: string): Promise<VolumeRecord> {
    return this.update((c) => {
      const { catalog, volume } = cloneSnapshot(c, snapshotRef, name, this.clock.nowMs(), volumeRef);
      return { catalog, result: volume };
    });
  }

  /** Deletes a volume and its snapshots. @throws NOT_FOUND, IN_USE (attached, or clones depend on it) */
  async delete(ref: string): Promise<{ volume: VolumeRecord; freedLayers: string[] }> {
    const v = findVolume(await this.catalog(), ref);
    const lease = parseLease(await this.deps.registers.read(leaseKey(v.id)));
    if (isLive(lease, this.clock.nowMs())) {
      throw new StoreError('IN_USE', `Cannot delete volume "${v.name}": in use by gateway "${lease.holder}"`);
    }
    const out = await this.update((c) => {
      const r = removeVolume(c, v.id);
      return { catalog: r.catalog, result: r };
    });
    await this.freeLayers(out.freed);
    return { volume: out.volume, freedLayers: out.freed };
  }

  /**
   * Deletes a snapshot; returns the layers freed whole. @throws NOT_FOUND, IN_USE (clones depend
   * on it), UNAVAILABLE (record deleted, some space not freed)
   */
  async deleteSnapshot(snapshotRef: string, volumeRef?: string): Promise<string[]> {
    return (await this.deleteSnapshotDetailed(snapshotRef, volumeRef)).freedLayers;
  }

  /**
   * Deletes a snapshot and frees what nothing else uses: its layers no volume or snapshot reads,
   * and, in layers still read (by its volume, clones or other snapshots), the extents every
   * reader hides under a newer layer (extent-reclaim.ts). `freedExtents` counts extent files
   * removed on all replicas. @throws NOT_FOUND, IN_USE, UNAVAILABLE
   */
  async deleteSnapshotDetailed(snapshotRef: string, volumeRef?: string): Promise<{ snapshot: SnapshotRecord; freedLayers: string[]; freedExtents: number }> {
    const out = await this.update((c) => {
      const r = removeSnapshot(c, snapshotRef, volumeRef);
      return { catalog: r.catalog, result: r };
    });
    await this.freeLayers(out.freed);
    const shared = out.snapshot.layers.filter((l) => !out.freed.includes(l));
    const freedExtents = shared.length === 0 ? 0 : await reclaimExtents(this.deps, await this.catalog(), shared);
    return { snapshot: out.snapshot, freedLayers: out.freed, freedExtents };
  }

  /** Removes layers from every device. Devices that are down keep orphans (reported). */
  private async freeLayers(layers: string[]): Promise<void> {
    const devices = this.deps.placement.allDevices();
    const results = await Promise.allSettled(layers.flatMap((l) => devices.map((d) => this.deps.extents.deleteLayer(d, l))));
    const failed = results.filter((r) => r.status === 'rejected');
    if (failed.length > 0) {
      throw new StoreError('UNAVAILABLE', `Deleted the records but could not free ${failed.length} layer copies: ${(failed[0] as PromiseRejectedResult).reason}`);
    }
  }

  /** Bytes a layer occupies on all devices (all replicas). */
  async layerBytes(layer: string): Promise<number> {
    const res = await Promise.allSettled(this.deps.placement.allDevices().map((d) => this.deps.extents.listLayer(d, layer)));
    return res.reduce((sum, r) => sum + (r.status === 'fulfilled' ? r.value.bytes : 0), 0);
  }
}

function findSnapshotById(c: Catalog, id: string): SnapshotRecord {
  const s = c.snapshots.find((x) => x.id === id);
  if (!s) throw new StoreError('NOT_FOUND', `Cannot find snapshot "${id}"`);
  return s;
}
