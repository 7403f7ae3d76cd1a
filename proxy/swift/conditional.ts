/**
 * Conditional requests (RFC 7232 order): If-Match, If-Unmodified-Since (412), If-None-Match,
 * If-Modified-Since (304 on GET/HEAD, 412 otherwise). Dates compare at whole seconds, matching
 * the Last-Modified header the client saw.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { parseHttpDate } from './http-dates.js';

function etagList(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  return v.split(',').map((e) => e.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1')).filter((e) => e !== '');
}

/**
 * What the conditions say for an existing object with `etag` (unquoted) last modified at
 * `lastModifiedMs` (whole seconds): 'ok', 304 or 412.
 */
export function evaluateConditions(headers: IncomingHttpHeaders, method: string, etag: string, lastModifiedMs: number): 'ok' | 304 | 412 {
  const ifMatch = etagList(headers['if-match']);
  if (ifMatch && !ifMatch.includes('*') && !ifMatch.includes(etag)) return 412;
  const unmodifiedSince = parseHttpDate(headers['if-unmodified-since']);
  if (!ifMatch && unmodifiedSince !== undefined && lastModifiedMs > unmodifiedSince) return 412;
  const readOnly = method === 'GET' || method === 'HEAD';
  const ifNoneMatch = etagList(headers['if-none-match']);
  if (ifNoneMatch && (ifNoneMatch.includes('*') || ifNoneMatch.includes(etag))) return readOnly ? 304 : 412;
  const modifiedSince = parseHttpDate(headers['if-modified-since']);
  if (!ifNoneMatch && readOnly && modifiedSince !== undefined && lastModifiedMs <= modifiedSince) return 304;
  return 'ok';
}

/** True when If-Match is present and only a match on an existing object could satisfy it. */
export function requiresExisting(headers: IncomingHttpHeaders): boolean {
  return headers['if-match'] !== undefined;
}
