/**
 * Object response headers, X-Delete-At / X-Delete-After parsing and Content-Type defaults.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { StoreError } from '../../common/index.js';
import type { ObjectMeta } from '../../cluster/index.js';
import { cleanContentType } from '../large-objects/content-type-params.js';
import { httpDate } from './http-dates.js';
import { metadataToHeaders } from './metadata-headers.js';

/** What a GET/HEAD presents: the object itself, or a large object's combined size and ETag. */
export interface ObjectView {
  meta: ObjectMeta;
  size: number;
  /** Header value of ETag (large objects' ETags are quoted, as Swift sends them). */
  etagHeader: string;
  /** ETag compared by If-Match / If-None-Match (unquoted). */
  etag: string;
}

/**
 * Headers of a GET/HEAD response, without Content-Length (the caller knows the body). The
 * reserved content type parameters (swift_bytes, s3_etag) are removed.
 */
export function objectHeaders(view: ObjectView): Record<string, string> {
  const m = view.meta;
  const h: Record<string, string> = {
    'content-type': cleanContentType(m.contentType).contentType,
    etag: view.etagHeader,
    'last-modified': httpDate(m.metaTimestamp),
    'x-timestamp': m.timestamp,
    'accept-ranges': 'bytes',
    ...metadataToHeaders(m.metadata, false),
  };
  if (m.deleteAtMs !== undefined) h['x-delete-at'] = String(Math.floor(m.deleteAtMs / 1000));
  return h;
}

/**
 * Expiry of a PUT/POST from X-Delete-At (epoch seconds) or X-Delete-After (seconds from now).
 * @throws INVALID_ARGUMENT when not a number or in the past
 */
export function deleteAtFromHeaders(headers: IncomingHttpHeaders, nowMs: number): number | undefined {
  const after = headers['x-delete-after'];
  const at = headers['x-delete-at'];
  if (typeof after === 'string') {
    if (!/^\d+$/.test(after.trim())) throw new StoreError('INVALID_ARGUMENT', 'Non-integer X-Delete-After');
    if (Number(after) <= 0) throw new StoreError('INVALID_ARGUMENT', 'X-Delete-After in past');
    return nowMs + Number(after) * 1000;
  }
  if (typeof at === 'string') {
    if (!/^\d+(\.\d+)?$/.test(at.trim())) throw new StoreError('INVALID_ARGUMENT', 'Non-integer X-Delete-At');
    const ms = Math.floor(Number(at)) * 1000;
    if (ms <= nowMs) throw new StoreError('INVALID_ARGUMENT', 'X-Delete-At in past');
    return ms;
  }
  return undefined;
}

const TYPES: Readonly<Record<string, string>> = {
  txt: 'text/plain', html: 'text/html', htm: 'text/html', css: 'text/css', js: 'application/javascript',
  json: 'application/json', xml: 'application/xml', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg',
  gif: 'image/gif', svg: 'image/svg+xml', pdf: 'application/pdf', zip: 'application/zip',
  gz: 'application/gzip', tar: 'application/x-tar', mp4: 'video/mp4', iso: 'application/x-iso9660-image',
  qcow2: 'application/octet-stream', md: 'text/markdown', csv: 'text/csv',
};

/** Content-Type of a PUT: as sent, else guessed from the extension (Swift does the same). */
export function contentTypeFor(headers: IncomingHttpHeaders, objectName: string): string {
  const given = headers['content-type'];
  const detect = String(headers['x-detect-content-type'] ?? '').toLowerCase() === 'true';
  if (given && !detect) return given;
  const ext = /\.([A-Za-z0-9]+)$/.exec(objectName)?.[1]?.toLowerCase();
  return (ext && TYPES[ext]) ?? 'application/octet-stream';
}

/** Strips quotes from an ETag header value. */
export function unquote(etag: string): string {
  return etag.trim().replace(/^"(.*)"$/, '$1');
}
