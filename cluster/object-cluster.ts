/**
 * ObjectCluster: what an API front (Swift, S3) needs from the storage cluster. The real
 * implementation (ReplicatedObjectCluster) places each request with the rings, talks gRPC to the
 * storage nodes, applies quorum, handoffs and error limiting; tests of the API layers may use an
 * in-memory implementation of this same interface.
 *
 * Names are raw (unescaped) strings. Metadata keys are lowercase header names as stored, e.g.
 * "x-object-meta-color", "content-disposition", "x-object-manifest", "x-object-sysmeta-s3-acl".
 * All methods throw StoreError with codes (NOT_FOUND, CONFLICT, QUORUM_NOT_MET, ...), never
 * protocol numbers.
 */
import type { Readable } from 'node:stream';
import type { Timestamp } from '../common/index.js';

export interface ObjectPath {
  account: string;
  container: string;
  object: string;
}

export interface ContainerPath {
  account: string;
  container: string;
}

/** What a storage node knows about one object version. */
export interface ObjectMeta {
  size: number;
  /** MD5 of the content, lowercase hex, no quotes (what clients see as ETag). */
  etag: string;
  /** xxhash64 of the content, lowercase hex (internal integrity checksum). */
  checksum: string;
  contentType: string;
  /** When the write completed, as assigned by the proxy. Last-Modified derives from it. */
  timestamp: Timestamp;
  /** Timestamp of the last POST (metadata update), or equal to `timestamp`. */
  metaTimestamp: Timestamp;
  /** Milliseconds since the epoch after which the object must not be served; absent: never. */
  deleteAtMs?: number;
  /** Persisted headers (lowercase names): user metadata, sysmeta, manifest markers, etc. */
  metadata: Record<string, string>;
}

/** Inclusive byte range, or a suffix ("the last N bytes"). `end` absent: to the end. */
export type ByteRange = { start: number; end?: number } | { suffix: number };

export interface PutObjectRequest extends ObjectPath {
  body: Readable;
  contentType: string;
  metadata: Record<string, string>;
  deleteAtMs?: number;
  /** When known (Content-Length), the cluster checks it and rejects short or long bodies. */
  contentLength?: number;
  /** When the client sent an ETag, the write fails with CHECKSUM_MISMATCH if the MD5 differs. */
  expectedEtag?: string;
  /** With If-None-Match: *, the write fails with PRECONDITION_FAILED if the object exists. */
  ifNoneMatchAny?: boolean;
  signal?: AbortSignal;
}

export interface PutObjectResult {
  etag: string;
  size: number;
  timestamp: Timestamp;
}

export interface GetObjectRequest extends ObjectPath {
  range?: ByteRange;
  signal?: AbortSignal;
}

export interface GetObjectResult {
  meta: ObjectMeta;
  /** Inclusive range actually served; absent when the whole object is served. */
  range?: { start: number; end: number };
  body: Readable;
}

export interface PostObjectRequest extends ObjectPath {
  /** Replaces all user metadata (x-object-meta-*) and the other POST-able headers. */
  metadata: Record<string, string>;
  contentType?: string;
  deleteAtMs?: number | null;
}

export interface ListingOptions {
  prefix?: string;
  delimiter?: string;
  marker?: string;
  endMarker?: string;
  /** At most this many entries (the API layer caps it, Swift's default is 10,000). */
  limit: number;
  reverse?: boolean;
}

export interface ObjectListingEntry {
  name: string;
  size: number;
  etag: string;
  contentType: string;
  timestamp: Timestamp;
  lastModifiedMs: number;
}

export interface ContainerListingEntry {
  name: string;
  objectCount: number;
  bytesUsed: number;
  lastModifiedMs: number;
}

export interface SubdirEntry {
  subdir: string;
}

export interface ContainerInfo {
  objectCount: number;
  bytesUsed: number;
  putTimestamp: Timestamp;
  createdAtMs: number;
  /** x-container-meta-*, x-container-read, x-container-write, x-container-sysmeta-*, ... */
  metadata: Record<string, string>;
}

export interface AccountInfo {
  containerCount: number;
  objectCount: number;
  bytesUsed: number;
  metadata: Record<string, string>;
}

export interface ObjectCluster {
  /** @throws CHECKSUM_MISMATCH, PRECONDITION_FAILED, NOT_FOUND (no container), QUORUM_NOT_MET */
  putObject(req: PutObjectRequest): Promise<PutObjectResult>;
  /** @throws NOT_FOUND (also when expired), RANGE_NOT_SATISFIABLE, QUORUM_NOT_MET */
  getObject(req: GetObjectRequest): Promise<GetObjectResult>;
  /** @throws NOT_FOUND */
  headObject(path: ObjectPath): Promise<ObjectMeta>;
  /** Writes a tombstone. @throws NOT_FOUND when no replica had the object (tombstone still written) */
  deleteObject(path: ObjectPath): Promise<{ timestamp: Timestamp }>;
  /** @throws NOT_FOUND */
  postObject(req: PostObjectRequest): Promise<{ timestamp: Timestamp }>;

  /** Creates the container, or updates its metadata if it exists. */
  putContainer(path: ContainerPath, metadata: Record<string, string>): Promise<{ created: boolean }>;
  /** @throws NOT_FOUND */
  headContainer(path: ContainerPath): Promise<ContainerInfo>;
  /** Merges metadata; an empty value removes that key. @throws NOT_FOUND */
  postContainer(path: ContainerPath, metadata: Record<string, string>): Promise<void>;
  /** @throws NOT_FOUND, CONFLICT (not empty) */
  deleteContainer(path: ContainerPath): Promise<void>;
  /** Sorted by name (bytewise UTF-8). @throws NOT_FOUND */
  listContainer(path: ContainerPath, opts: ListingOptions): Promise<Array<ObjectListingEntry | SubdirEntry>>;

  /** An account that was never written reads as empty (accounts are created on first use). */
  headAccount(account: string): Promise<AccountInfo>;
  /** Merges metadata; an empty value removes that key. */
  postAccount(account: string, metadata: Record<string, string>): Promise<void>;
  listAccount(account: string, opts: ListingOptions): Promise<Array<ContainerListingEntry | SubdirEntry>>;
}
