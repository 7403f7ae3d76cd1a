/**
 * MemoryObjectCluster: the whole ObjectCluster contract in memory, for the Swift and S3 unit
 * tests (and a quick local proxy). It keeps no history: a DELETE removes the object, and the
 * newest write simply replaces the old one. Bodies are buffered here, which only a test fake may
 * do. Timestamps come from an injectable clock, so tests can expire objects deterministically.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import xxhash from 'xxhash-wasm';
import {
  StoreError, TimestampSource, timestampToMs, systemClock, type Clock, type Timestamp,
} from '../../common/index.js';
import type {
  AccountInfo, ContainerInfo, ContainerListingEntry, ContainerPath, GetObjectRequest,
  GetObjectResult, ListingOptions, ObjectCluster, ObjectListingEntry, ObjectMeta, ObjectPath,
  PostObjectRequest, PutObjectRequest, PutObjectResult, SubdirEntry,
} from '../../cluster/index.js';
import { applyListing } from './memory-listing.js';
import { resolveRange } from '../large-objects/byte-range.js';

interface StoredObject { meta: ObjectMeta; data: Buffer }
interface Container { info: Omit<ContainerInfo, 'objectCount' | 'bytesUsed'>; objects: Map<string, StoredObject> }
interface Account { metadata: Record<string, string>; containers: Map<string, Container> }

const hasher = xxhash();

/** Merges `update` into `target`; an empty value removes the key (Swift's POST semantics). */
function mergeMetadata(target: Record<string, string>, update: Record<string, string>): void {
  for (const [k, v] of Object.entries(update)) {
    if (v === '') delete target[k];
    else target[k] = v;
  }
}

export class MemoryObjectCluster implements ObjectCluster {
  private readonly accounts = new Map<string, Account>();
  private readonly timestamps: TimestampSource;

  constructor(private readonly clock: Clock = systemClock) {
    this.timestamps = new TimestampSource(() => clock.nowMs());
  }

  private account(name: string): Account {
    let acc = this.accounts.get(name);
    if (!acc) {
      acc = { metadata: {}, containers: new Map() };
      this.accounts.set(name, acc);
    }
    return acc;
  }

  private container(path: ContainerPath): Container {
    const c = this.accounts.get(path.account)?.containers.get(path.container);
    if (!c) throw new StoreError('NOT_FOUND', `Cannot find container "${path.account}/${path.container}"`);
    return c;
  }

  /** The live (not expired) object, or NOT_FOUND. */
  private live(path: ObjectPath): StoredObject {
    const obj = this.container(path).objects.get(path.object);
    if (!obj || this.expired(obj)) {
      throw new StoreError('NOT_FOUND', `Cannot find object "${path.account}/${path.container}/${path.object}"`);
    }
    return obj;
  }

  private expired(obj: StoredObject): boolean {
    return obj.meta.deleteAtMs !== undefined && obj.meta.deleteAtMs <= this.clock.nowMs();
  }

  async putObject(req: PutObjectRequest): Promise<PutObjectResult> {
    this.checkCreate(this.container(req), req);
    const md5 = createHash('md5');
    const xx = (await hasher).create64();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req.body as AsyncIterable<Buffer | string>) {
      if (req.signal?.aborted) throw new StoreError('INVALID_ARGUMENT', 'Cannot store object: request aborted');
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      md5.update(buf);
      xx.update(buf);
      chunks.push(buf);
      size += buf.length;
    }
    if (req.contentLength !== undefined && size !== req.contentLength) {
      throw new StoreError('INVALID_ARGUMENT', `Cannot store object "${req.object}": got ${size} bytes, expected ${req.contentLength}`);
    }
    const etag = md5.digest('hex');
    if (req.expectedEtag !== undefined && req.expectedEtag.toLowerCase() !== etag) {
      throw new StoreError('CHECKSUM_MISMATCH', `Cannot store object "${req.object}": ETag "${etag}" differs from "${req.expectedEtag}"`);
    }
    const timestamp = this.timestamps.next();
    const meta: ObjectMeta = {
      size, etag, checksum: xx.digest().toString(16).padStart(16, '0'), contentType: req.contentType,
      timestamp, metaTimestamp: timestamp, metadata: { ...req.metadata },
    };
    if (req.deleteAtMs !== undefined) meta.deleteAtMs = req.deleteAtMs;
    // Re-check the container (it may have been deleted while the body streamed in) and
    // If-None-Match: * (a concurrent create may have committed first), as a replica does at commit.
    const container = this.container(req);
    this.checkCreate(container, req);
    container.objects.set(req.object, { meta, data: Buffer.concat(chunks, size) });
    return { etag, size, timestamp };
  }

  /** @throws PRECONDITION_FAILED when `ifNoneMatchAny` is set and a live object exists */
  private checkCreate(container: Container, req: PutObjectRequest): void {
    const existing = container.objects.get(req.object);
    if (req.ifNoneMatchAny && existing && !this.expired(existing)) {
      throw new StoreError('PRECONDITION_FAILED', `Cannot create object "${req.object}": it exists`);
    }
  }

  async getObject(req: GetObjectRequest): Promise<GetObjectResult> {
    const obj = this.live(req);
    const meta = structuredClone(obj.meta);
    if (!req.range) return { meta, body: Readable.from([obj.data]) };
    const range = resolveRange(req.range, obj.data.length);
    return { meta, range, body: Readable.from([obj.data.subarray(range.start, range.end + 1)]) };
  }

  async headObject(path: ObjectPath): Promise<ObjectMeta> {
    return structuredClone(this.live(path).meta);
  }

  async deleteObject(path: ObjectPath): Promise<{ timestamp: Timestamp }> {
    const container = this.container(path);
    const obj = container.objects.get(path.object);
    container.objects.delete(path.object);
    const timestamp = this.timestamps.next();
    if (!obj || this.expired(obj)) {
      throw new StoreError('NOT_FOUND', `Cannot delete object "${path.object}": not found`);
    }
    return { timestamp };
  }

  async postObject(req: PostObjectRequest): Promise<{ timestamp: Timestamp }> {
    const obj = this.live(req);
    const timestamp = this.timestamps.next();
    obj.meta.metadata = { ...req.metadata };
    obj.meta.metaTimestamp = timestamp;
    if (req.contentType !== undefined) obj.meta.contentType = req.contentType;
    if (req.deleteAtMs === null) delete obj.meta.deleteAtMs;
    else if (req.deleteAtMs !== undefined) obj.meta.deleteAtMs = req.deleteAtMs;
    return { timestamp };
  }

  async putContainer(path: ContainerPath, metadata: Record<string, string>): Promise<{ created: boolean }> {
    const acc = this.account(path.account);
    const existing = acc.containers.get(path.container);
    if (existing) {
      mergeMetadata(existing.info.metadata, metadata);
      return { created: false };
    }
    const putTimestamp = this.timestamps.next();
    const info = { putTimestamp, createdAtMs: timestampToMs(putTimestamp), metadata: {} };
    mergeMetadata(info.metadata, metadata);
    acc.containers.set(path.container, { info, objects: new Map() });
    return { created: true };
  }

  async headContainer(path: ContainerPath): Promise<ContainerInfo> {
    const c = this.container(path);
    const live = this.liveObjects(c);
    return {
      ...structuredClone(c.info),
      objectCount: live.length,
      bytesUsed: live.reduce((n, o) => n + o.meta.size, 0),
    };
  }

  async postContainer(path: ContainerPath, metadata: Record<string, string>): Promise<void> {
    mergeMetadata(this.container(path).info.metadata, metadata);
  }

  async deleteContainer(path: ContainerPath): Promise<void> {
    const c = this.container(path);
    if (this.liveObjects(c).length > 0) {
      throw new StoreError('CONFLICT', `Cannot delete container "${path.container}": not empty`);
    }
    this.accounts.get(path.account)?.containers.delete(path.container);
  }

  async listContainer(path: ContainerPath, opts: ListingOptions): Promise<Array<ObjectListingEntry | SubdirEntry>> {
    const c = this.container(path);
    const live = new Map(this.liveObjects(c).map((o) => [o.name, o.meta]));
    return applyListing(live.keys(), opts, (name) => {
      const m = live.get(name)!;
      return {
        name, size: m.size, etag: m.etag, contentType: m.contentType, timestamp: m.timestamp,
        lastModifiedMs: timestampToMs(m.timestamp),
      };
    });
  }

  async headAccount(account: string): Promise<AccountInfo> {
    const acc = this.accounts.get(account);
    let objectCount = 0;
    let bytesUsed = 0;
    for (const c of acc?.containers.values() ?? []) {
      for (const o of this.liveObjects(c)) {
        objectCount++;
        bytesUsed += o.meta.size;
      }
    }
    return { containerCount: acc?.containers.size ?? 0, objectCount, bytesUsed, metadata: { ...acc?.metadata } };
  }

  async postAccount(account: string, metadata: Record<string, string>): Promise<void> {
    mergeMetadata(this.account(account).metadata, metadata);
  }

  async listAccount(account: string, opts: ListingOptions): Promise<Array<ContainerListingEntry | SubdirEntry>> {
    const containers = this.accounts.get(account)?.containers ?? new Map<string, Container>();
    return applyListing(containers.keys(), opts, (name) => {
      const c = containers.get(name)!;
      const live = this.liveObjects(c);
      const newest = live.reduce((t, o) => (o.meta.timestamp > t ? o.meta.timestamp : t), c.info.putTimestamp);
      return {
        name, objectCount: live.length, bytesUsed: live.reduce((n, o) => n + o.meta.size, 0),
        lastModifiedMs: timestampToMs(newest),
      };
    });
  }

  private liveObjects(c: Container): Array<{ name: string; meta: ObjectMeta }> {
    const out: Array<{ name: string; meta: ObjectMeta }> = [];
    for (const [name, obj] of c.objects) if (!this.expired(obj)) out.push({ name, meta: obj.meta });
    return out;
  }
}
