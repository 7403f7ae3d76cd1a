/**
 * Conditional requests (If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since, and
 * the x-amz-copy-source-if-* forms of CopyObject) and Range parsing, with S3's precedence rules.
 */
import { S3Error } from './errors.js';
import type { ByteRange } from '../../cluster/index.js';

export type ConditionOutcome = 'ok' | 'not-modified' | 'failed';

type Get = (name: string) => string | undefined;

function etagMatches(list: string, etag: string): boolean {
  return list.split(',').some((t) => {
    const v = t.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
    return v === '*' || v === etag;
  });
}

/** Seconds resolution, as Last-Modified has. */
function modifiedAfter(lastModifiedMs: number, dateText: string): boolean | undefined {
  const d = Date.parse(dateText);
  if (Number.isNaN(d)) return undefined;
  return Math.floor(lastModifiedMs / 1000) > Math.floor(d / 1000);
}

/**
 * Evaluates the four conditional headers (names prefixed by `prefix`, e.g.
 * "x-amz-copy-source-") against an object's ETag (unquoted) and last-modified time. S3 rules:
 * a true If-Match overrides a false If-Unmodified-Since, a false If-None-Match overrides a true
 * If-Modified-Since.
 */
export function evaluateConditions(get: Get, etag: string, lastModifiedMs: number, prefix = 'if-'): ConditionOutcome {
  const ifMatch = get(`${prefix}match`);
  const ifNoneMatch = get(`${prefix}none-match`);
  const ifModifiedSince = get(`${prefix}modified-since`);
  const ifUnmodifiedSince = get(`${prefix}unmodified-since`);
  if (ifMatch !== undefined && !etagMatches(ifMatch, etag)) return 'failed';
  if (ifMatch === undefined && ifUnmodifiedSince !== undefined && modifiedAfter(lastModifiedMs, ifUnmodifiedSince) === true) return 'failed';
  if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, etag)) return 'not-modified';
  if (ifNoneMatch === undefined && ifModifiedSince !== undefined && modifiedAfter(lastModifiedMs, ifModifiedSince) === false) return 'not-modified';
  return 'ok';
}

/**
 * Parses a Range header. S3 serves the whole object for syntax it does not understand
 * (including multiple ranges), so those return undefined rather than an error.
 */
export function parseRange(text: string | undefined): ByteRange | undefined {
  if (text === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(text.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') return { suffix: Number(m[2]) };
  const start = Number(m[1]);
  if (m[2] === '') return { start };
  const end = Number(m[2]);
  return end < start ? undefined : { start, end };
}

/**
 * Resolves a range against a size to an inclusive [start, end].
 * @throws S3Error InvalidRange when it is not satisfiable
 */
export function resolveRange(range: ByteRange, size: number): { start: number; end: number } {
  if ('suffix' in range) {
    if (range.suffix === 0 || size === 0) throw new S3Error('InvalidRange', undefined, { ActualObjectSize: String(size) });
    return { start: Math.max(0, size - range.suffix), end: size - 1 };
  }
  if (range.start >= size) throw new S3Error('InvalidRange', undefined, { ActualObjectSize: String(size) });
  return { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) };
}

/** Parses x-amz-copy-source-range "bytes=first-last" (both required). @throws S3Error InvalidArgument */
export function parseCopyRange(text: string | undefined, size: number): { start: number; end: number } | undefined {
  if (text === undefined) return undefined;
  const m = /^bytes=(\d+)-(\d+)$/.exec(text.trim());
  if (!m) throw new S3Error('InvalidArgument', 'The x-amz-copy-source-range value must be of the form bytes=first-last');
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (end < start || end >= size) throw new S3Error('InvalidRange', `The range "${text}" is outside the source of ${size} bytes`);
  return { start, end };
}
