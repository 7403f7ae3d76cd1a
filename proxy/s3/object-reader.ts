/**
 * Reads S3 objects, plain or multipart. A completed multipart upload is stored as a Swift-style
 * static large object (metadata "x-static-large-object", body a JSON list of segments); reading
 * it streams the segments one after another, fetching only the ones a range touches, so a large
 * object is never held in memory. Only the small manifest is read whole.
 *
 * (proxy/large-objects/ serves SLOs for the Swift API; this reader is the S3 side's own, since it
 * also needs the S3 ETag and size kept in sysmeta.)
 */
import { cleanContentType as splitReservedParams } from '../large-objects/content-type-params.js';
import { Readable } from 'node:stream';
import type { ByteRange, GetObjectResult, ObjectCluster, ObjectMeta, ObjectPath } from '../../cluster/index.js';
import { StoreError, timestampToMs } from '../../common/index.js';
import { resolveRange } from './conditions.js';
import { S3Error } from './errors.js';

export const SLO_KEY = 'x-static-large-object';
export const S3_ETAG_KEY = 'x-object-sysmeta-s3-etag';
export const SLO_SIZE_KEY = 'x-object-sysmeta-slo-size';
const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;

export interface Segment {
  /** "/container/object" of the segment in the same account. */
  name: string;
  hash: string;
  /** Bytes this segment contributes (the length of `range` when there is one). */
  bytes: number;
  /** First byte of the segment object used, for Swift SLO segments with a "range". */
  offset?: number;
}

/** What S3 shows of an object: its size and ETag are the logical ones for multipart objects. */
export interface ObjectView {
  meta: ObjectMeta;
  size: number;
  /** Unquoted ETag, "<md5>" or "<md5-of-md5s>-<parts>". */
  etag: string;
  lastModifiedMs: number;
  isManifest: boolean;
}

export function isManifest(meta: ObjectMeta): boolean {
  return /^(true|yes|on|1)$/i.test(meta.metadata[SLO_KEY] ?? '');
}

/**
 * Content type parameters that carry a manifest's logical size and S3 ETag into container
 * listings (Swift's own "swift_bytes" convention, plus "s3_etag"), since listings hold only the
 * manifest body's length and MD5. Stripped before a client sees the content type.
 */
export function manifestContentType(contentType: string, size: number, s3Etag: string): string {
  return `${contentType};swift_bytes=${size};s3_etag=${s3Etag}`;
}

/** Removes the swift_bytes / s3_etag parameters from a stored content type. */
export function cleanContentType(contentType: string): string {
  return splitReservedParams(contentType).contentType;
}

/** Size and ETag of a listing entry, honouring the manifest parameters of its content type. */
export function listingView(entry: { size: number; etag: string; contentType: string }): { size: number; etag: string } {
  const bytes = /;\s*swift_bytes=(\d+)/.exec(entry.contentType);
  const etag = /;\s*s3_etag=([0-9a-f]+-\d+)/.exec(entry.contentType);
  return { size: bytes ? Number(bytes[1]) : entry.size, etag: etag ? etag[1]! : entry.etag };
}

/** The S3 view of an object from its stored metadata (no body read). */
export function viewOf(stored: ObjectMeta): ObjectView {
  const meta = { ...stored, contentType: cleanContentType(stored.contentType) };
  const manifest = isManifest(meta);
  const size = manifest && meta.metadata[SLO_SIZE_KEY] !== undefined ? Number(meta.metadata[SLO_SIZE_KEY]) : meta.size;
  const etag = manifest ? (meta.metadata[S3_ETAG_KEY] ?? meta.metadata['x-object-sysmeta-slo-etag'] ?? meta.etag) : meta.etag;
  return { meta, size, etag, lastModifiedMs: timestampToMs(meta.timestamp), isManifest: manifest };
}

export interface OpenedObject {
  view: ObjectView;
  /** The inclusive range served; absent for the whole object. */
  range?: { start: number; end: number };
  body: Readable;
}

/**
 * Opens an object for reading, optionally a byte range of it.
 * @throws NOT_FOUND, S3Error InvalidRange, cluster errors
 */
export async function openObject(cluster: ObjectCluster, path: ObjectPath, range?: ByteRange, signal?: AbortSignal): Promise<OpenedObject> {
  let first: GetObjectResult;
  try {
    first = await cluster.getObject({ ...path, range, signal });
  } catch (err) {
    if (!(err instanceof StoreError && err.code === 'RANGE_NOT_SATISFIABLE')) throw err;
    const meta = await cluster.headObject(path);
    if (!isManifest(meta)) throw new S3Error('InvalidRange', undefined, { ActualObjectSize: String(meta.size) });
    return openManifest(cluster, path, range, signal);
  }
  if (isManifest(first.meta)) {
    first.body.destroy();
    return openManifest(cluster, path, range, signal);
  }
  return { view: viewOf(first.meta), range: first.range, body: first.body };
}

async function openManifest(cluster: ObjectCluster, path: ObjectPath, range: ByteRange | undefined, signal?: AbortSignal): Promise<OpenedObject> {
  const { meta, body } = await cluster.getObject({ ...path, signal });
  const segments = await readManifest(body);
  const total = segments.reduce((n, s) => n + s.bytes, 0);
  const view = { ...viewOf(meta), size: total };
  if (!range) return { view, body: streamSegments(cluster, path.account, segments, 0, total - 1, signal) };
  const r = resolveRange(range, total);
  return { view, range: r, body: streamSegments(cluster, path.account, segments, r.start, r.end, signal) };
}

/**
 * Parses a stored manifest body (bounded in size).
 * @throws CORRUPT when it is not a valid manifest
 */
export async function readManifest(body: Readable): Promise<Segment[]> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > MAX_MANIFEST_BYTES) {
      body.destroy();
      throw new StoreError('CORRUPT', 'Cannot read large-object manifest: it is too large');
    }
    chunks.push(chunk);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw new StoreError('CORRUPT', 'Cannot read large-object manifest: not JSON', { cause: err });
  }
  if (!Array.isArray(parsed)) throw new StoreError('CORRUPT', 'Cannot read large-object manifest: not a list');
  return parsed.map((s: Record<string, unknown>) => {
    if (typeof s.name !== 'string' || typeof s.bytes !== 'number') throw new StoreError('CORRUPT', 'Cannot read large-object manifest: bad segment');
    const hash = typeof s.hash === 'string' ? s.hash : '';
    // Swift keeps the segment object's whole size in "bytes" and the part used in "range".
    const range = typeof s.range === 'string' ? /^(\d+)-(\d+)$/.exec(s.range) : null;
    if (!range) return { name: s.name, hash, bytes: s.bytes };
    const start = Number(range[1]);
    return { name: s.name, hash, bytes: Number(range[2]) - start + 1, offset: start };
  });
}

/** Splits "/container/object" into its parts. */
export function splitSegmentName(name: string): { container: string; object: string } {
  const trimmed = name.startsWith('/') ? name.slice(1) : name;
  const slash = trimmed.indexOf('/');
  if (slash <= 0) throw new StoreError('CORRUPT', `Cannot read segment "${name}": not "/container/object"`);
  return { container: trimmed.slice(0, slash), object: trimmed.slice(slash + 1) };
}

/** Streams bytes [start, end] of the concatenated segments, fetching one segment at a time. */
export function streamSegments(cluster: ObjectCluster, account: string, segments: Segment[], start: number, end: number, signal?: AbortSignal): Readable {
  async function* generate(): AsyncGenerator<Buffer> {
    let offset = 0;
    for (const seg of segments) {
      const segStart = offset;
      const segEnd = offset + seg.bytes - 1;
      offset += seg.bytes;
      if (seg.bytes === 0 || segEnd < start || segStart > end) continue;
      const from = Math.max(start, segStart) - segStart;
      const to = Math.min(end, segEnd) - segStart;
      const base = seg.offset ?? 0;
      const whole = seg.offset === undefined && from === 0 && to === seg.bytes - 1;
      const res = await cluster.getObject({ account, ...splitSegmentName(seg.name), range: whole ? undefined : { start: base + from, end: base + to }, signal });
      if (whole && seg.hash && res.meta.etag !== seg.hash) {
        res.body.destroy();
        throw new StoreError('CORRUPT', `Cannot read segment "${seg.name}": it changed since the upload completed`);
      }
      for await (const chunk of res.body as AsyncIterable<Buffer>) yield chunk;
    }
  }
  return Readable.from(generate(), { objectMode: false });
}
