/**
 * ObjectStore: the object half of a storage node, addressed by device, partition and path. One
 * implementation per mechanism (FsObjectStore on disk); every implementation runs the shared
 * suite in object-store.suite.ts.
 *
 * Rules every implementation follows:
 * - The newest timestamp wins. A PUT, DELETE or POST older than (or as old as) what the replica
 *   already holds is acknowledged but changes nothing (`applied: false`), as Swift's object
 *   server does, so replays and late replicas converge without errors.
 * - A POST replaces the object's metadata except keys starting with "x-object-sysmeta-" and
 *   "x-static-large-object", which stay as the PUT wrote them.
 * - An object whose deleteAtMs has passed reads as NOT_FOUND.
 */
import type { Readable } from 'node:stream';
import type { ByteRange } from '../cluster/index.js';
import type { ContentDigest } from './checksum.js';

export interface ObjectKey {
  device: string;
  partition: number;
  account: string;
  container: string;
  object: string;
}

/** What is known before the body streams. */
export interface PutHeader {
  contentType: string;
  metadata: Record<string, string>;
  /** 0: never expires. */
  deleteAtMs: number;
  /** -1: unknown (chunked). */
  contentLength: number;
  /** Fail with PRECONDITION_FAILED when a live object exists. */
  ifNoneMatchAny: boolean;
}

/** What is known once the proxy has sent the whole body to every replica. */
export interface PutTrailer {
  timestamp: string;
  /** Empty or absent: no check. */
  expectedEtag?: string;
}

/** One object version as served: data metadata with the newest POST applied. */
export interface ObjectRecord {
  size: number;
  etag: string;
  checksum: string;
  contentType: string;
  timestamp: string;
  metaTimestamp: string;
  /** 0: never expires. */
  deleteAtMs: number;
  metadata: Record<string, string>;
  /** The data file on disk (HEAD only; for operators). */
  dataPath?: string;
}

export interface PutOutcome extends ContentDigest {
  /** False when the replica already held something as new or newer (nothing written). */
  applied: boolean;
}

/** A body written to temporary storage, waiting for its trailer. */
export interface StagedPut {
  readonly digest: ContentDigest;
  /**
   * Makes the object durable under the trailer's timestamp (or ignores it if older).
   * @throws INVALID_ARGUMENT (bad timestamp, length mismatch), CHECKSUM_MISMATCH,
   * PRECONDITION_FAILED, NO_SPACE
   */
  commit(trailer: PutTrailer): Promise<PutOutcome>;
  /** Drops the temporary data; safe to call more than once or after commit. */
  discard(): Promise<void>;
}

export interface ObjectReadResult {
  record: ObjectRecord;
  /** Inclusive range served; absent for the whole object. */
  range?: { start: number; end: number };
  body: Readable;
  /** The whole body when it was read (and verified) into memory already: small objects. */
  bytes?: Buffer;
}

export interface PostUpdate {
  metadata: Record<string, string>;
  /** Empty: unchanged. */
  contentType: string;
  /** -1: unchanged, 0: remove, >0: set. */
  deleteAtMs: number;
}

/** Called after a change becomes durable, for suffix-hash invalidation (replicator). */
export type ChangeListener = (device: string, partition: number, suffix: string) => void;

export interface ObjectStore {
  /**
   * Streams a body to temporary storage on the device, computing MD5 and xxhash64.
   * @throws NOT_MOUNTED, NO_SPACE, PRECONDITION_FAILED (ifNoneMatchAny), INVALID_ARGUMENT
   * (body longer than contentLength)
   */
  stage(key: ObjectKey, header: PutHeader, body: AsyncIterable<Uint8Array>): Promise<StagedPut>;
  /** @throws NOT_FOUND (missing, deleted, expired), RANGE_NOT_SATISFIABLE, NOT_MOUNTED, CORRUPT */
  get(key: ObjectKey, range?: ByteRange): Promise<ObjectReadResult>;
  /** @throws NOT_FOUND, NOT_MOUNTED, CORRUPT */
  head(key: ObjectKey): Promise<ObjectRecord>;
  /**
   * Writes a tombstone. `existed`: a live object was there before.
   * @throws INVALID_ARGUMENT (bad timestamp), NOT_MOUNTED, NO_SPACE
   */
  delete(key: ObjectKey, timestamp: string): Promise<{ existed: boolean; applied: boolean }>;
  /** @throws NOT_FOUND, INVALID_ARGUMENT, NOT_MOUNTED, NO_SPACE */
  post(key: ObjectKey, timestamp: string, update: PostUpdate): Promise<{ applied: boolean; record: ObjectRecord }>;
}

/** Keys a POST cannot change. */
export function isPostProtectedKey(key: string): boolean {
  return key.startsWith('x-object-sysmeta-') || key === 'x-static-large-object';
}
