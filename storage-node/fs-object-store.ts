/**
 * FsObjectStore: objects as files, Swift style, under each device folder:
 *   <dev>/objects/<part>/<suffix>/<hash>/<timestamp>.data|.ts|.meta   (see hash-dir.ts)
 *   <dev>/tmp/                                                       (bodies being written)
 * A PUT streams into tmp/ while computing MD5 and xxhash64, appends the metadata footer
 * (object-file.ts) when the trailer arrives, fsyncs, renames into the hash folder, fsyncs that
 * folder and removes what the new file makes obsolete. The layout groups a partition's objects
 * by hash suffix so the replicator can hash and compare a partition suffix by suffix.
 */
import { open, unlink, mkdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { StoreError, fromFsError, isTimestamp, writeFileAtomic, systemClock, type Clock } from '../common/index.js';
import type { ByteRange } from '../cluster/index.js';
import { ContentDigester, initChecksums } from './checksum.js';
import { encodeTrailer, type StoredMeta } from './object-file.js';
import { openLiveVersion, isLiveVersion, readMetaFile, applyMeta, type MetaFile, type OpenVersion } from './object-version.js';
import { readHashDir, removeObsolete, mkdirParents, fsyncDirs, newestTimestamp, renameIntoHashDir, type HashDirState } from './hash-dir.js';
import { resolveRange } from './byte-range.js';
import { KeyLock } from './key-lock.js';
import { VerifyingStream, PREVERIFY_MAX_BYTES, readVerified } from './verified-read.js';
import { quarantineFile } from './quarantine.js';
import { suffixOf, objectPath, type PathHasher } from './path-hash.js';
import type { Devices } from './devices.js';
import {
  type ObjectStore, type ObjectKey, type PutHeader, type StagedPut, type PutTrailer,
  type PutOutcome, type ObjectRecord, type ObjectReadResult, type PostUpdate, type ChangeListener,
} from './object-store.js';

/**
 * Body chunk size for reads (one gRPC message each): fewer, larger messages cost less per byte
 * in grpc-js and protobuf than 64 KiB ones.
 */
export const READ_CHUNK_BYTES = 256 * 1024;

export interface FsObjectStoreOptions {
  devices: Devices;
  hasher: PathHasher;
  clock?: Clock;
  onChange?: ChangeListener;
}

export class FsObjectStore implements ObjectStore {
  private readonly devices: Devices;
  private readonly hasher: PathHasher;
  private readonly clock: Clock;
  private readonly locks = new KeyLock();
  private readonly onChange: ChangeListener;
  private readonly tmpReady = new Set<string>();

  constructor(opts: FsObjectStoreOptions) {
    this.devices = opts.devices;
    this.hasher = opts.hasher;
    this.clock = opts.clock ?? systemClock;
    this.onChange = opts.onChange ?? (() => undefined);
  }

  /** Folder of an object on a device root, and its suffix. */
  locate(root: string, key: ObjectKey): { dir: string; suffix: string; hash: string } {
    const hash = this.hasher.hash(objectPath(key.account, key.container, key.object));
    const suffix = suffixOf(hash);
    return { dir: join(root, 'objects', String(key.partition), suffix, hash), suffix, hash };
  }

  async stage(key: ObjectKey, header: PutHeader, body: AsyncIterable<Uint8Array>): Promise<StagedPut> {
    await initChecksums();
    const root = await this.devices.writableRoot(key.device, header.contentLength);
    const { dir, suffix, hash } = this.locate(root, key);
    if (header.ifNoneMatchAny) await this.assertAbsent(dir, key);
    const tmpDir = join(root, 'tmp');
    if (!this.tmpReady.has(tmpDir)) {
      await makeTmpDir(tmpDir);
      this.tmpReady.add(tmpDir);
    }
    const tmpPath = join(tmpDir, `${hash}.${randomBytes(6).toString('hex')}.tmp`);
    const digester = new ContentDigester();
    let fh: FileHandle | undefined;
    let done = false;
    const discard = async () => {
      if (done) return;
      done = true;
      await fh?.close().catch(() => undefined);
      await unlink(tmpPath).catch(() => undefined);
    };
    try {
      fh = await this.openTmp(key.device, tmpDir, tmpPath);
      for await (const chunk of body) {
        digester.update(chunk);
        if (header.contentLength >= 0 && digester.size > header.contentLength) {
          throw new StoreError('INVALID_ARGUMENT', `Cannot write object "${name(key)}": body longer than ${header.contentLength} bytes`);
        }
        // Awaiting each write is the backpressure: the next chunk is pulled only once this one is in the file.
        await fh.write(chunk);
      }
    } catch (err) {
      await discard();
      throw fromFsError(err, `Cannot write object "${name(key)}"`);
    }
    const digest = digester.digest();
    const commit = async (trailer: PutTrailer): Promise<PutOutcome> => {
      if (done || !fh) throw new StoreError('INTERNAL', `Cannot commit object "${name(key)}" twice`);
      try {
        if (!isTimestamp(trailer.timestamp)) throw new StoreError('INVALID_ARGUMENT', `Cannot write object "${name(key)}": bad timestamp "${trailer.timestamp}"`);
        if (trailer.expectedEtag && trailer.expectedEtag.toLowerCase() !== digest.etag) {
          throw new StoreError('CHECKSUM_MISMATCH', `Cannot write object "${name(key)}": ETag "${digest.etag}" is not the expected "${trailer.expectedEtag}"`);
        }
        if (header.contentLength >= 0 && digest.size !== header.contentLength) {
          throw new StoreError('INVALID_ARGUMENT', `Cannot write object "${name(key)}": got ${digest.size} of ${header.contentLength} bytes`);
        }
        const meta: StoredMeta = {
          ...digest, contentType: header.contentType, timestamp: trailer.timestamp,
          deleteAtMs: header.deleteAtMs, metadata: header.metadata,
          // The name travels with the data so that workers holding only the file (the expirer
          // removing a listing row) know which object it is.
          path: objectPath(key.account, key.container, key.object),
        };
        await fh.write(encodeTrailer(meta));
        // fdatasync: the data and the size (needed to read it back), without the timestamps.
        await fh.datasync();
        await fh.close();
        fh = undefined;
        const applied = await this.locks.with(hash, async () => {
          const state = await readHashDir(dir);
          if (header.ifNoneMatchAny && (await this.isLive(dir, state))) {
            throw new StoreError('PRECONDITION_FAILED', `Cannot write object "${name(key)}": it exists`);
          }
          if (state.newest && state.newest.timestamp >= trailer.timestamp) return false;
          const created = await renameIntoHashDir(tmpPath, dir, `${trailer.timestamp}.data`, state);
          done = true;
          await fsyncDirs([dir, ...created]);
          await removeObsolete(dir, state, trailer.timestamp, 'data');
          return true;
        });
        if (applied) this.onChange(key.device, key.partition, suffix);
        else await discard();
        return { ...digest, applied };
      } catch (err) {
        await discard();
        throw fromFsError(err, `Cannot write object "${name(key)}"`);
      }
    };
    return { digest, commit, discard };
  }

  async get(key: ObjectKey, range?: ByteRange): Promise<ObjectReadResult> {
    const root = await this.devices.root(key.device);
    const { fh, record, state } = await this.openLive(key, root);
    try {
      const span = range ? resolveRange(range, record.size) : undefined;
      if (record.size === 0) {
        await fh.close();
        return { record, body: Readable.from([]), bytes: Buffer.alloc(0) };
      }
      if (span) {
        return { record, range: span, body: fh.createReadStream({ start: span.start, end: span.end, highWaterMark: READ_CHUNK_BYTES, autoClose: true }) };
      }
      // A whole-object read checks the content checksum (before sending when the object is small,
      // else on the way, failing instead of sending the last chunk) and quarantines a corrupt
      // file for the replicator to restore.
      const { hash, suffix } = this.locate(root, key);
      const file = `${state.newest?.timestamp ?? ''}.data`;
      const quarantine = () => {
        quarantineFile(root, key.partition, hash, file)
          .then((moved) => { if (moved) this.onChange(key.device, key.partition, suffix); })
          .catch(() => undefined);
      };
      if (record.size <= PREVERIFY_MAX_BYTES) {
        const bytes = await readVerified(fh, record.size, record.checksum);
        if (!bytes) {
          quarantine();
          throw new StoreError('CORRUPT', `Cannot read object "${name(key)}": content checksum mismatch`);
        }
        await fh.close();
        return { record, body: Readable.from(chunksOf(bytes, READ_CHUNK_BYTES), { objectMode: false }), bytes };
      }
      const raw = fh.createReadStream({ start: 0, end: record.size - 1, highWaterMark: READ_CHUNK_BYTES, autoClose: true });
      const body = new VerifyingStream(record.checksum, record.size, quarantine);
      pipeline(raw, body).catch(() => undefined);
      return { record, body };
    } catch (err) {
      await fh.close().catch(() => undefined);
      throw err;
    }
  }

  async head(key: ObjectKey): Promise<ObjectRecord> {
    const root = await this.devices.root(key.device);
    const { fh, record, state } = await this.openLive(key, root);
    await fh.close();
    // The data file's path is for operators (`strata object locate`), never for clients.
    const dataPath = state.newest ? join(this.locate(root, key).dir, `${state.newest.timestamp}.data`) : undefined;
    return dataPath ? { ...record, dataPath } : record;
  }

  async delete(key: ObjectKey, timestamp: string): Promise<{ existed: boolean; applied: boolean }> {
    if (!isTimestamp(timestamp)) throw new StoreError('INVALID_ARGUMENT', `Cannot delete object "${name(key)}": bad timestamp "${timestamp}"`);
    // A fresh mount check: the tombstone's folders are made with mkdir -p, which must never
    // re-create a vanished device folder on the root file system.
    const root = await this.devices.root(key.device, { fresh: true });
    const { dir, suffix, hash } = this.locate(root, key);
    try {
      const result = await this.locks.with(hash, async () => {
        const state = await readHashDir(dir);
        const existed = await this.isLive(dir, state);
        if (state.newest && state.newest.timestamp >= timestamp) return { existed, applied: false };
        const created = await mkdirParents(dir);
        const fh = await open(join(dir, `${timestamp}.ts`), 'w', 0o644);
        await fh.close();
        // An empty file has no data to sync: the folder fsync makes its name durable.
        await fsyncDirs([dir, ...created]);
        await removeObsolete(dir, state, timestamp, 'ts');
        return { existed, applied: true };
      });
      if (result.applied) this.onChange(key.device, key.partition, suffix);
      return result;
    } catch (err) {
      throw fromFsError(err, `Cannot delete object "${name(key)}"`);
    }
  }

  async post(key: ObjectKey, timestamp: string, update: PostUpdate): Promise<{ applied: boolean; record: ObjectRecord }> {
    if (!isTimestamp(timestamp)) throw new StoreError('INVALID_ARGUMENT', `Cannot update object "${name(key)}": bad timestamp "${timestamp}"`);
    const root = await this.devices.root(key.device);
    const { dir, suffix, hash } = this.locate(root, key);
    const result = await this.locks.with(hash, async () => {
      const { fh, record, state } = await this.openLive(key, root);
      await fh.close();
      const newest = newestTimestamp(state) ?? '';
      if (newest >= timestamp) return { applied: false, record };
      const prev = state.meta ? await readMetaFile(dir, state.meta) : undefined;
      const meta: MetaFile = {
        timestamp,
        metadata: update.metadata,
        contentType: update.contentType || prev?.contentType || '',
        deleteAtMs: update.deleteAtMs >= 0 ? update.deleteAtMs : prev?.deleteAtMs ?? -1,
      };
      try {
        await writeFileAtomic(join(dir, `${timestamp}.meta`), JSON.stringify(meta));
      } catch (err) {
        throw fromFsError(err, `Cannot update object "${name(key)}"`);
      }
      await removeObsolete(dir, state, timestamp, 'meta');
      return { applied: true, record: applyMeta(record, meta) };
    });
    if (result.applied) this.onChange(key.device, key.partition, suffix);
    return result;
  }

  /**
   * Opens the live version. The device's mount check may be a cached one, so before answering
   * NOT_FOUND it is checked again: a device whose folder vanished answers NOT_MOUNTED.
   * @throws NOT_FOUND, NOT_MOUNTED, CORRUPT
   */
  private async openLive(key: ObjectKey, knownRoot?: string): Promise<OpenVersion> {
    const root = knownRoot ?? (await this.devices.root(key.device));
    const found = await openLiveVersion(this.locate(root, key).dir, this.clock.nowMs());
    if (!found) {
      await this.devices.root(key.device, { fresh: true });
      throw new StoreError('NOT_FOUND', `Cannot find object "${name(key)}"`);
    }
    return found;
  }

  /**
   * Creates the temporary file of an upload. A missing tmp/ folder means either the device is
   * gone (NOT_MOUNTED, checked afresh since the mount check may be cached) or it was emptied or
   * remounted since tmp/ was made: then tmp/ is made again.
   * @throws NOT_MOUNTED
   */
  private async openTmp(device: string, tmpDir: string, tmpPath: string): Promise<FileHandle> {
    try {
      return await open(tmpPath, 'w', 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.tmpReady.delete(tmpDir);
      await this.devices.root(device, { fresh: true });
      await makeTmpDir(tmpDir);
      this.tmpReady.add(tmpDir);
      return open(tmpPath, 'w', 0o644);
    }
  }

  private isLive(dir: string, state: HashDirState): Promise<boolean> {
    return isLiveVersion(dir, state, this.clock.nowMs());
  }

  private async assertAbsent(dir: string, key: ObjectKey): Promise<void> {
    if (await this.isLive(dir, await readHashDir(dir))) {
      throw new StoreError('PRECONDITION_FAILED', `Cannot write object "${name(key)}": it exists`);
    }
  }
}

/** Views of `buf` of at most `size` bytes each (no copies). */
function chunksOf(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let pos = 0; pos < buf.length; pos += size) out.push(buf.subarray(pos, pos + size));
  return out;
}

/** mkdir of `<device>/tmp`, not recursive: it must never re-create a vanished device folder. */
async function makeTmpDir(tmpDir: string): Promise<void> {
  await mkdir(tmpDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
}

function name(key: ObjectKey): string {
  return `${key.account}/${key.container}/${key.object}`;
}
