/**
 * ExtentStore: the block extents of one storage node, across its devices. Operations on one
 * extent are ordered by a per-extent lock (reads shared, changes exclusive); open files stay in a
 * bounded LRU so that small writes cost one pwrite. Writes land in the page cache unless FUA;
 * `flush()` makes named extents durable, and an evicted dirty file is synced before it is closed.
 */
import { mkdir, open, readdir, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { StoreError, fromFsError } from '../common/index.js';
import {
  KeyedMutex, isLayerId, type ExtentRef, type ExtentState, type ExtentWriteRequest, type ExtentReadRequest,
  type ExtentReadResponse, type SetGenerationRequest, type ReplaceRequest, type ListLayerResponse,
} from '../cluster/index.js';
import { HEADER_BYTES, encodeHeader, writeExtentFileAtomic } from './extent-file.js';
import { closeExtent, onlyZeros, readAt, readHeaderOrBlank, syncExtent, writeAt, zeroRange, type OpenExtent } from './extent-handle.js';

/** Largest extent the store accepts (bytes); bounds every offset it computes. */
export const MAX_EXTENT_BYTES = 64 * 1024 * 1024;

export interface ExtentStoreOptions {
  devices: ReadonlyArray<{ name: string; path: string }>;
  /** Open extent files kept (LRU). */
  maxOpenFiles?: number;
}

export class ExtentStore {
  private readonly devices: Map<string, string>;
  private readonly files = new Map<string, OpenExtent>();
  private readonly opening = new Map<string, Promise<OpenExtent | undefined>>();
  private readonly locks = new KeyedMutex();
  private readonly knownDirs = new Set<string>();
  private readonly maxOpen: number;

  constructor(opts: ExtentStoreOptions) {
    this.devices = new Map(opts.devices.map((d) => [d.name, d.path]));
    this.maxOpen = opts.maxOpenFiles ?? 512;
  }

  /** @throws NOT_MOUNTED for an unknown device; INVALID_ARGUMENT for a bad layer id */
  layerDir(device: string, layer: string): string {
    const root = this.devices.get(device);
    if (root === undefined) throw new StoreError('NOT_MOUNTED', `Cannot use device "${device}": not on this node`);
    if (!isLayerId(layer)) throw new StoreError('INVALID_ARGUMENT', `Cannot use layer "${layer}": bad id`);
    return join(root, 'block', layer);
  }

  private pathOf(ref: ExtentRef): string {
    if (!Number.isInteger(ref.index) || ref.index < 0) {
      throw new StoreError('INVALID_ARGUMENT', `Cannot use extent index "${ref.index}"`);
    }
    return join(this.layerDir(ref.device, ref.layer), String(ref.index));
  }

  private static key(ref: ExtentRef): string {
    return `${ref.device}/${ref.layer}/${ref.index}`;
  }

  /**
   * Opens (or finds) an extent; undefined when it was never written. Caller holds the lock.
   * Holders of the shared lock may load the same extent at once: they share one open, so no
   * handle is opened twice and leaked.
   */
  private load(ref: ExtentRef): Promise<OpenExtent | undefined> {
    const key = ExtentStore.key(ref);
    const cached = this.files.get(key);
    if (cached) {
      this.files.delete(key);
      this.files.set(key, cached);
      return Promise.resolve(cached);
    }
    let p = this.opening.get(key);
    if (!p) {
      p = this.openExtent(ref, key).finally(() => this.opening.delete(key));
      this.opening.set(key, p);
    }
    return p;
  }

  private async openExtent(ref: ExtentRef, key: string): Promise<OpenExtent | undefined> {
    const path = this.pathOf(ref);
    let fh: FileHandle;
    try {
      fh = await open(path, 'r+');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw fromFsError(err, `Cannot open extent "${key}"`);
    }
    try {
      const { size } = await fh.stat();
      const header = await readHeaderOrBlank(fh, path, size);
      const ex: OpenExtent = { fh, path, generation: header.generation, size: Math.max(size, HEADER_BYTES), dirty: false, created: false };
      this.files.set(key, ex);
      this.evictIfNeeded();
      return ex;
    } catch (err) {
      await fh.close();
      throw fromFsError(err, `Cannot open extent "${key}"`);
    }
  }

  /** Creates an extent file (not synced: a flush or FUA makes it durable). */
  /**
   * `first`: data for the start of the extent, written with the header in one call (a new
   * extent's first write is usually at its start, e.g. every write of a sequential stream).
   */
  private async create(ref: ExtentRef, generation: number, first?: Buffer): Promise<OpenExtent> {
    const path = this.pathOf(ref);
    const dir = dirname(path);
    if (!this.knownDirs.has(dir)) {
      await mkdir(dir, { recursive: true }).catch((err: unknown) => {
        throw fromFsError(err, `Cannot create layer folder "${dir}"`);
      });
      this.knownDirs.add(dir);
    }
    let fh: FileHandle | undefined;
    try {
      fh = await open(path, 'wx+', 0o644);
      const header = encodeHeader({ generation, flags: 0 });
      const data = first ?? Buffer.alloc(0);
      const { bytesWritten } = await fh.writev(data.length > 0 ? [header, data] : [header], 0);
      // A short write (rare) is finished piece by piece.
      if (bytesWritten < HEADER_BYTES) await fh.write(header, bytesWritten, HEADER_BYTES - bytesWritten, bytesWritten);
      const done = Math.max(0, bytesWritten - HEADER_BYTES);
      if (done < data.length) await fh.write(data, done, data.length - done, HEADER_BYTES + done);
    } catch (err) {
      // A handle left open here would only be closed by the garbage collector (with a warning).
      await fh?.close().catch(() => undefined);
      throw fromFsError(err, `Cannot create extent "${path}"`);
    }
    const ex: OpenExtent = { fh, path, generation, size: HEADER_BYTES + (first?.length ?? 0), dirty: true, created: true };
    this.files.set(ExtentStore.key(ref), ex);
    this.evictIfNeeded();
    return ex;
  }

  private evictIfNeeded(): void {
    while (this.files.size > this.maxOpen) {
      const oldest = this.files.keys().next().value as string;
      const ex = this.files.get(oldest) as OpenExtent;
      this.files.delete(oldest);
      // Closed under the extent's lock so that no operation still uses the handle.
      void this.locks.exclusive(oldest, () => closeExtent(ex)).catch(() => undefined);
    }
  }

  private async drop(key: string): Promise<void> {
    const ex = this.files.get(key);
    if (!ex) return;
    this.files.delete(key);
    await ex.fh.close().catch(() => undefined);
  }

  private static state(ex: OpenExtent | undefined): ExtentState {
    if (!ex) return { exists: false, generation: 0, zeroed: false };
    return { exists: true, generation: ex.generation, zeroed: ex.size <= HEADER_BYTES };
  }

  /** Generation check shared by every change. @throws STALE (replica behind), CONFLICT (ahead) */
  private static checkGeneration(ref: ExtentRef, have: number, want: number): void {
    if (have < want) throw new StoreError('STALE', `Cannot change extent "${ExtentStore.key(ref)}": replica at generation ${have}, writer at ${want}`);
    if (have > want) throw new StoreError('CONFLICT', `Cannot change extent "${ExtentStore.key(ref)}": replica at generation ${have}, writer at ${want}`);
  }

  /** State of each extent. @throws NOT_MOUNTED, CORRUPT */
  async stat(refs: ExtentRef[]): Promise<ExtentState[]> {
    return Promise.all(refs.map((ref) => this.locks.shared(ExtentStore.key(ref), async () => ExtentStore.state(await this.load(ref)))));
  }

  /**
   * Writes data (or zeros) into an extent, creating it on first write. Zeroing the whole extent
   * truncates it to its header, freeing the space.
   * @throws STALE, CONFLICT, INVALID_ARGUMENT (range), NO_SPACE, NOT_MOUNTED
   */
  async write(req: ExtentWriteRequest): Promise<ExtentState> {
    const { ref } = req;
    const length = req.data.length > 0 ? req.data.length : req.zeroLength;
    if (req.extentSize <= 0 || req.extentSize > MAX_EXTENT_BYTES || req.offset + length > req.extentSize || length === 0) {
      throw new StoreError('INVALID_ARGUMENT', `Cannot write extent "${ExtentStore.key(ref)}": bad range ${req.offset}+${length} of ${req.extentSize}`);
    }
    const key = ExtentStore.key(ref);
    return this.locks.exclusive(key, async () => {
      let ex = await this.load(ref);
      let written = false;
      if (!ex) {
        ExtentStore.checkGeneration(ref, 0, req.generation);
        written = req.offset === 0 && req.data.length > 0;
        ex = await this.create(ref, req.generation, written ? req.data : undefined);
      }
      ExtentStore.checkGeneration(ref, ex.generation, req.generation);
      try {
        if (written) {
          // create() wrote the data with the header.
        } else if (req.data.length > 0) {
          await writeAt(ex, req.data, HEADER_BYTES + req.offset);
          ex.size = Math.max(ex.size, HEADER_BYTES + req.offset + req.data.length);
        } else if (req.offset === 0 && length === req.extentSize) {
          await ex.fh.truncate(HEADER_BYTES);
          ex.size = HEADER_BYTES;
        } else if (HEADER_BYTES + req.offset + length >= ex.size) {
          // The range reaches the end of the data: cut the file there instead of writing zeros,
          // and free the extent (down to its header) if only zeros are left before it.
          await ex.fh.truncate(Math.max(HEADER_BYTES, Math.min(ex.size, HEADER_BYTES + req.offset)));
          ex.size = Math.max(HEADER_BYTES, Math.min(ex.size, HEADER_BYTES + req.offset));
          if (ex.size > HEADER_BYTES && await onlyZeros(ex)) {
            await ex.fh.truncate(HEADER_BYTES);
            ex.size = HEADER_BYTES;
          }
        } else {
          await zeroRange(ex, req.offset, length);
        }
        ex.dirty = true;
        if (req.fua) await syncExtent(ex);
      } catch (err) {
        throw fromFsError(err, `Cannot write extent "${key}"`);
      }
      return ExtentStore.state(ex);
    });
  }

  /** Reads a range; `data` is empty when the extent does not exist or is zeroed. @throws NOT_MOUNTED, CORRUPT */
  async read(req: ExtentReadRequest): Promise<ExtentReadResponse> {
    if (req.length <= 0 || req.offset + req.length > MAX_EXTENT_BYTES) {
      throw new StoreError('INVALID_ARGUMENT', `Cannot read extent "${ExtentStore.key(req.ref)}": bad range`);
    }
    return this.locks.shared(ExtentStore.key(req.ref), async () => {
      const ex = await this.load(req.ref);
      const state = ExtentStore.state(ex);
      if (!ex || state.zeroed || ex.size <= HEADER_BYTES + req.offset) return { state, data: Buffer.alloc(0) };
      // Not zero-filled up front: every byte is either read or zeroed below (past the end of a
      // sparse file's data the extent reads as zeros).
      const data = Buffer.allocUnsafe(req.length);
      let got = 0;
      while (got < req.length) {
        const bytesRead = await readAt(ex, data, got, req.length - got, HEADER_BYTES + req.offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      if (got < req.length) data.fill(0, got);
      return { state, data };
    });
  }

  /** Raises a generation (durably). @throws CONFLICT when not at `expected`, STALE */
  async setGeneration(req: SetGenerationRequest): Promise<ExtentState> {
    const key = ExtentStore.key(req.ref);
    return this.locks.exclusive(key, async () => {
      const ex = await this.load(req.ref);
      if (!ex) {
        ExtentStore.checkGeneration(req.ref, 0, req.expected);
        await writeExtentFileAtomic(this.pathOf(req.ref), { generation: req.generation, flags: 0 });
        return ExtentStore.state(await this.load(req.ref));
      }
      ExtentStore.checkGeneration(req.ref, ex.generation, req.expected);
      await ex.fh.write(encodeHeader({ generation: req.generation, flags: 0 }), 0, 32, 0);
      ex.dirty = true;
      await syncExtent(ex);
      ex.generation = req.generation;
      return ExtentStore.state(ex);
    });
  }

  /** Replaces a whole extent atomically and durably (resync, copy-up). @throws NO_SPACE */
  async replace(req: ReplaceRequest): Promise<ExtentState> {
    const key = ExtentStore.key(req.ref);
    return this.locks.exclusive(key, async () => {
      await this.drop(key);
      await writeExtentFileAtomic(this.pathOf(req.ref), { generation: req.generation, flags: 0 }, req.zeroed ? undefined : req.data);
      return ExtentStore.state(await this.load(req.ref));
    });
  }

  /** Makes the named extents durable. @throws INTERNAL when an fsync fails */
  async flush(refs: ExtentRef[]): Promise<void> {
    const keys = new Map(refs.map((r) => [ExtentStore.key(r), r]));
    await Promise.all([...keys.keys()].map((key) => this.locks.shared(key, async () => {
      const ex = this.files.get(key);
      if (!ex) return;
      try {
        await syncExtent(ex);
      } catch (err) {
        throw fromFsError(err, `Cannot flush extent "${key}"`);
      }
    })));
  }

  /** Extent indexes stored for a layer on a device, and the bytes they occupy. */
  async listLayer(device: string, layer: string): Promise<ListLayerResponse> {
    const dir = this.layerDir(device, layer);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { indexes: [], bytes: 0, zeroedIndexes: [] };
      throw fromFsError(err, `Cannot list layer "${layer}"`);
    }
    const indexes: number[] = [];
    const zeroedIndexes: number[] = [];
    let bytes = 0;
    for (const name of names) {
      if (!/^\d+$/.test(name)) continue;
      const st = await stat(join(dir, name)).catch(() => undefined);
      if (!st) continue;
      indexes.push(Number(name));
      if (st.size <= HEADER_BYTES) zeroedIndexes.push(Number(name));
      bytes += st.blocks * 512;
    }
    indexes.sort((a, b) => a - b);
    return { indexes, bytes, zeroedIndexes };
  }

  /** Removes every extent of a layer on a device. */
  async deleteLayer(device: string, layer: string): Promise<void> {
    const dir = this.layerDir(device, layer);
    const prefix = `${device}/${layer}/`;
    for (const key of [...this.files.keys()]) {
      if (key.startsWith(prefix)) await this.locks.exclusive(key, () => this.drop(key));
    }
    this.knownDirs.delete(dir);
    await rm(dir, { recursive: true, force: true }).catch((err: unknown) => {
      throw fromFsError(err, `Cannot delete layer "${layer}"`);
    });
  }

  /**
   * Removes single extents of a layer on a device (a deleted snapshot's extents that nothing
   * reads any more); missing ones are skipped. Not synced: an extent that survives a crash is
   * unused data, found again by the next reclaim. Returns how many files were removed.
   * @throws NOT_MOUNTED, INVALID_ARGUMENT (bad layer or index)
   */
  async deleteExtents(device: string, layer: string, indexes: number[]): Promise<number> {
    let removed = 0;
    for (const index of indexes) {
      const ref = { device, layer, index };
      const path = this.pathOf(ref);
      const key = ExtentStore.key(ref);
      await this.locks.exclusive(key, async () => {
        await this.drop(key);
        try {
          await unlink(path);
          removed++;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fromFsError(err, `Cannot delete extent "${key}"`);
        }
      });
    }
    return removed;
  }

  /** Syncs dirty files and closes every handle. */
  async close(): Promise<void> {
    const all = [...this.files.entries()];
    this.files.clear();
    await Promise.all(all.map(([key, ex]) => this.locks.exclusive(key, () => closeExtent(ex)).catch(() => undefined)));
  }
}
