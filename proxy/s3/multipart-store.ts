/**
 * Where multipart uploads live. Everything of a bucket's uploads is in its segments container
 * ("<bucket>+segments", same account), out of the bucket's listings until completed:
 *   "<key>/<uploadId>"          the upload marker: empty; its metadata is the future object's
 *   "<key>/<uploadId>/<00001>"  part 1, stored as a plain object (its ETag is the part's MD5)
 * Completing writes a manifest object into the bucket that names the parts (object-reader.ts).
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ObjectCluster, ObjectListingEntry, ObjectMeta } from '../../cluster/index.js';
import { StoreError } from '../../common/index.js';
import { segmentsContainer } from './context.js';
import { S3Error } from './errors.js';

const UPLOAD_ID = /^[A-Za-z0-9_-]{24}$/;
const MARKER = /^(.+)\/([A-Za-z0-9_-]{24})$/;
/** Metadata key on the marker holding the future object's metadata as JSON. */
const UPLOAD_META_KEY = 'x-object-sysmeta-s3-upload-meta';
export const MAX_PART_NUMBER = 10000;
export const MIN_PART_BYTES = 5 * 1024 * 1024;

export interface UploadRef {
  account: string;
  bucket: string;
  key: string;
  uploadId: string;
}

export interface Upload {
  ref: UploadRef;
  contentType: string;
  metadata: Record<string, string>;
  initiatedMs: number;
}

export function newUploadId(): string {
  return randomBytes(18).toString('base64url');
}

export function markerName(ref: UploadRef): string {
  return `${ref.key}/${ref.uploadId}`;
}

export function partName(ref: UploadRef, partNumber: number): string {
  return `${ref.key}/${ref.uploadId}/${String(partNumber).padStart(5, '0')}`;
}

/** Parses a partNumber query value. @throws S3Error InvalidArgument */
export function parsePartNumber(text: string | undefined): number {
  if (text === undefined || !/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > MAX_PART_NUMBER) {
    throw new S3Error('InvalidArgument', `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`, {
      ArgumentName: 'partNumber', ArgumentValue: text ?? '',
    });
  }
  return Number(text);
}

/** Creates the marker of a new upload (and the segments container on first use). */
export async function createUpload(cluster: ObjectCluster, ref: UploadRef, contentType: string, metadata: Record<string, string>): Promise<void> {
  const container = segmentsContainer(ref.bucket);
  await cluster.putContainer({ account: ref.account, container }, {});
  await cluster.putObject({
    account: ref.account, container, object: markerName(ref), body: Readable.from([]), contentLength: 0,
    contentType, metadata: { [UPLOAD_META_KEY]: JSON.stringify(metadata) },
  });
}

/** Finds an upload by its marker. @throws S3Error NoSuchUpload */
export async function getUpload(cluster: ObjectCluster, ref: UploadRef): Promise<Upload> {
  if (!UPLOAD_ID.test(ref.uploadId)) throw new S3Error('NoSuchUpload', undefined, { UploadId: ref.uploadId });
  let meta: ObjectMeta;
  try {
    meta = await cluster.headObject({ account: ref.account, container: segmentsContainer(ref.bucket), object: markerName(ref) });
  } catch (err) {
    if (err instanceof StoreError && err.code === 'NOT_FOUND') throw new S3Error('NoSuchUpload', undefined, { UploadId: ref.uploadId });
    throw err;
  }
  let metadata: Record<string, string> = {};
  try {
    metadata = JSON.parse(meta.metadata[UPLOAD_META_KEY] ?? '{}') as Record<string, string>;
  } catch {
    // A damaged marker still lets the upload complete, without its user metadata.
  }
  return { ref, contentType: meta.contentType, metadata, initiatedMs: Number(meta.timestamp) * 1000 };
}

export interface StoredPart {
  partNumber: number;
  name: string;
  etag: string;
  size: number;
  lastModifiedMs: number;
}

/** Parts of an upload in part-number order, after `afterPart`, at most `limit` (bounded pages). */
export async function listUploadParts(cluster: ObjectCluster, ref: UploadRef, afterPart = 0, limit = MAX_PART_NUMBER): Promise<StoredPart[]> {
  const container = segmentsContainer(ref.bucket);
  const prefix = `${ref.key}/${ref.uploadId}/`;
  const out: StoredPart[] = [];
  let marker = afterPart > 0 ? partName(ref, afterPart) : undefined;
  for (let page = 0; page < 12 && out.length < limit; page++) {
    const entries = await cluster.listContainer({ account: ref.account, container }, { prefix, marker, limit: 1000 });
    for (const e of entries) {
      if (!('name' in e)) continue;
      const n = Number(e.name.slice(prefix.length));
      if (Number.isInteger(n) && n >= 1 && out.length < limit) out.push(toPart(e, n));
    }
    if (entries.length < 1000) break;
    const last = entries[entries.length - 1]!;
    marker = 'name' in last ? last.name : last.subdir;
  }
  return out;
}

function toPart(e: ObjectListingEntry, partNumber: number): StoredPart {
  return { partNumber, name: e.name, etag: e.etag, size: e.size, lastModifiedMs: e.lastModifiedMs };
}

/** Deletes the named objects of the segments container, ignoring ones already gone. */
export async function deleteSegments(cluster: ObjectCluster, account: string, bucket: string, names: string[]): Promise<void> {
  const container = segmentsContainer(bucket);
  for (const object of names) {
    await cluster.deleteObject({ account, container, object }).catch((err: unknown) => {
      if (!(err instanceof StoreError && err.code === 'NOT_FOUND')) throw err;
    });
  }
}

/** Upload markers in the segments container (for ListMultipartUploads), bounded scan. */
export async function listUploadMarkers(cluster: ObjectCluster, account: string, bucket: string, prefix: string, afterKey: string, limit: number): Promise<Array<{ key: string; uploadId: string; initiatedMs: number }>> {
  const out: Array<{ key: string; uploadId: string; initiatedMs: number }> = [];
  let marker: string | undefined = afterKey ? `${afterKey}/\u{10FFFF}` : undefined;
  for (let page = 0; page < 50 && out.length < limit; page++) {
    let entries;
    try {
      entries = await cluster.listContainer({ account, container: segmentsContainer(bucket) }, { prefix: prefix || undefined, marker, limit: 1000 });
    } catch (err) {
      if (err instanceof StoreError && err.code === 'NOT_FOUND') return out;
      throw err;
    }
    for (const e of entries) {
      if (!('name' in e)) continue;
      const m = MARKER.exec(e.name);
      if (m && out.length < limit) out.push({ key: m[1]!, uploadId: m[2]!, initiatedMs: e.lastModifiedMs });
    }
    if (entries.length < 1000) break;
    const last = entries[entries.length - 1]!;
    marker = 'name' in last ? last.name : last.subdir;
  }
  return out;
}
