/** Metadata whose keys each carry the timestamp that set them (containers and accounts). */
import type { TimedValue } from './meta-db.js';

/**
 * Merges `update` (all set at `timestamp`) into `current`: per key, the newer timestamp wins; an
 * empty value is kept as a deletion marker so that an older value cannot come back.
 * Returns whether anything changed.
 */
export function mergeTimedMetadata(current: Record<string, TimedValue>, update: Record<string, string>, timestamp: string): boolean {
  let changed = false;
  for (const [key, value] of Object.entries(update)) {
    const prev = current[key];
    if (!prev || prev[1] < timestamp) {
      current[key] = [value, timestamp];
      changed = true;
    }
  }
  return changed;
}

/** The visible metadata: keys with a non-empty value. */
export function visibleMetadata(current: Record<string, TimedValue>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, [value]] of Object.entries(current)) if (value !== '') out[key] = value;
  return out;
}
