/**
 * Object metadata between S3 headers and stored (Swift) metadata: x-amz-meta-* ↔
 * x-object-meta-*, the standard content headers kept as they are, canned ACL and checksums in
 * sysmeta. One place, so PUT, copy, multipart and GET agree.
 */
import type { FastifyReply } from 'fastify';
import { OBJECT_ACL_KEY } from './access.js';
import { CHECKSUM_ALGORITHMS, checksumHeader } from './checksums.js';
import { S3Error } from './errors.js';
import type { ObjectView } from './object-reader.js';

const STORED_HEADERS = ['content-disposition', 'content-encoding', 'content-language', 'cache-control', 'expires'];
const USER_PREFIX = 'x-amz-meta-';
const STORED_USER_PREFIX = 'x-object-meta-';
const CHECKSUM_PREFIX = 'x-object-sysmeta-s3-checksum-';
/** S3's limit on user metadata (names and values, bytes). */
const MAX_USER_METADATA_BYTES = 2048;
export const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';

type Headers = Record<string, string | string[] | undefined>;

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Stored metadata for a new object from request headers.
 * @throws S3Error MetadataTooLarge, InvalidArgument (unknown canned ACL)
 */
export function metadataFromHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  let userBytes = 0;
  for (const [name, raw] of Object.entries(headers)) {
    const value = first(raw);
    if (value === undefined) continue;
    if (name.startsWith(USER_PREFIX)) {
      const key = name.slice(USER_PREFIX.length);
      userBytes += key.length + Buffer.byteLength(value);
      out[STORED_USER_PREFIX + key] = value;
    } else if (STORED_HEADERS.includes(name)) {
      const v = name === 'content-encoding' ? stripAwsChunked(value) : value;
      if (v !== '') out[name] = v;
    }
  }
  if (userBytes > MAX_USER_METADATA_BYTES) throw new S3Error('MetadataTooLarge');
  const acl = cannedAcl(first(headers['x-amz-acl']));
  if (acl === 'public-read') out[OBJECT_ACL_KEY] = acl;
  return out;
}

/** "private" or "public-read" (others S3 knows map to private). @throws S3Error InvalidArgument */
export function cannedAcl(value: string | undefined): 'private' | 'public-read' | undefined {
  if (value === undefined) return undefined;
  switch (value.trim()) {
    case 'private': case 'bucket-owner-read': case 'bucket-owner-full-control': case 'authenticated-read': case 'aws-exec-read':
      return 'private';
    case 'public-read': case 'public-read-write':
      return 'public-read';
    default:
      throw new S3Error('InvalidArgument', `The canned ACL "${value}" is not valid`, { ArgumentName: 'x-amz-acl' });
  }
}

function stripAwsChunked(value: string): string {
  return value.split(',').map((s) => s.trim()).filter((s) => s !== 'aws-chunked' && s !== '').join(', ');
}

/** Metadata to keep a checksum the client sent in a header (trailer values arrive too late). */
export function checksumMetadata(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const alg of CHECKSUM_ALGORITHMS) {
    const v = first(headers[checksumHeader(alg)]);
    if (v !== undefined) out[CHECKSUM_PREFIX + alg.toLowerCase()] = v;
  }
  return out;
}

/** Keeps only the user metadata and standard headers of stored metadata (for CopyObject COPY). */
export function copyableMetadata(stored: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(stored)) {
    if (k.startsWith(STORED_USER_PREFIX) || STORED_HEADERS.includes(k)) out[k] = v;
  }
  return out;
}

/** Writes an object's headers on a GET/HEAD reply; response-* query overrides win. */
export function writeObjectHeaders(reply: FastifyReply, view: ObjectView, query: Map<string, string>, withChecksums: boolean): void {
  reply.header('etag', `"${view.etag}"`);
  reply.header('last-modified', new Date(view.lastModifiedMs).toUTCString());
  reply.header('accept-ranges', 'bytes');
  reply.header('content-type', view.meta.contentType || DEFAULT_CONTENT_TYPE);
  for (const [k, v] of Object.entries(view.meta.metadata)) {
    if (k.startsWith(STORED_USER_PREFIX)) reply.header(USER_PREFIX + k.slice(STORED_USER_PREFIX.length), v);
    else if (STORED_HEADERS.includes(k)) reply.header(k, v);
    else if (withChecksums && k.startsWith(CHECKSUM_PREFIX)) reply.header(`x-amz-checksum-${k.slice(CHECKSUM_PREFIX.length)}`, v);
  }
  const parts = view.etag.split('-')[1];
  if (view.isManifest && parts !== undefined) reply.header('x-amz-mp-parts-count', parts);
  for (const name of ['content-type', 'content-language', 'expires', 'cache-control', 'content-disposition', 'content-encoding']) {
    const v = query.get(`response-${name}`);
    if (v !== undefined) reply.header(name, v);
  }
}
