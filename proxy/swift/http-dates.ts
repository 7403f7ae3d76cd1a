/**
 * Swift timestamps as HTTP headers: Last-Modified rounds the timestamp up to the whole second
 * (as Swift does), X-Timestamp keeps it exactly.
 */
import { timestampToMs, type Timestamp } from '../../common/index.js';

/** Milliseconds of the whole second at or after the timestamp. */
export function lastModifiedMs(ts: Timestamp): number {
  return Math.ceil(timestampToMs(ts) / 1000) * 1000;
}

/** The Last-Modified header value for a timestamp. */
export function httpDate(ts: Timestamp): string {
  return new Date(lastModifiedMs(ts)).toUTCString();
}

/** Parses an HTTP date header; undefined when absent or unparseable (then it is ignored). */
export function parseHttpDate(v: string | undefined): number | undefined {
  if (!v) return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms;
}
