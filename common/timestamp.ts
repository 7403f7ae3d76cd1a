/**
 * Object timestamps, Swift style: seconds since the epoch with 5 decimals, zero-padded to 16
 * characters ("1700000000.12345"), so that string order is time order. The proxy assigns them;
 * the newest wins everywhere.
 */
import { StoreError } from './errors.js';

export type Timestamp = string;

const PATTERN = /^\d{10}\.\d{5}$/;

/** Formats milliseconds (fractions allowed) as a timestamp. */
export function formatTimestamp(ms: number): Timestamp {
  const tenMicros = Math.round(ms * 100);
  const secs = Math.floor(tenMicros / 100000);
  const frac = tenMicros % 100000;
  return `${String(secs).padStart(10, '0')}.${String(frac).padStart(5, '0')}`;
}

/** Milliseconds since the epoch of a timestamp. @throws INVALID_ARGUMENT when malformed */
export function timestampToMs(ts: Timestamp): number {
  if (!isTimestamp(ts)) throw new StoreError('INVALID_ARGUMENT', `Cannot parse timestamp "${ts}"`);
  return Number(ts) * 1000;
}

export function isTimestamp(ts: unknown): ts is Timestamp {
  return typeof ts === 'string' && PATTERN.test(ts);
}

/** Negative, zero or positive as `a` is older, equal or newer than `b`. */
export function compareTimestamps(a: Timestamp, b: Timestamp): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Issues strictly increasing timestamps from a clock, so two writes through one proxy never
 * tie even within the same 10 µs.
 */
export class TimestampSource {
  private lastTenMicros = 0;
  constructor(private readonly nowMs: () => number = () => Date.now()) {}
  next(): Timestamp {
    let t = Math.round(this.nowMs() * 100);
    if (t <= this.lastTenMicros) t = this.lastTenMicros + 1;
    this.lastTenMicros = t;
    return formatTimestamp(t / 100);
  }
}
