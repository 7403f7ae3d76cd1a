/**
 * Swift listing semantics over one LevelDB key range: prefix, delimiter (subdirs), marker,
 * end_marker, limit and reverse, read with an iterator that seeks past whole subdirs so a page
 * costs O(limit) rows however large the container is. In reverse order, as in Swift, `marker`
 * bounds from above and `endMarker` from below.
 */
import type { Space } from './meta-db.js';

export interface ListOptions {
  prefix: string;
  delimiter: string;
  marker: string;
  endMarker: string;
  /** 0: the default of 10,000. */
  limit: number;
  reverse: boolean;
}

export type Listed<V> = { name: string; value: V } | { subdir: string };

export const DEFAULT_LIST_LIMIT = 10_000;
/** Rows fetched per iterator call: large for plain pages, small when seeks will drop the rest. */
const MAX_BATCH = 1000;

/** The smallest string greater than every string that starts with `s` (undefined: none). */
export function afterPrefix(s: string): string | undefined {
  const cps = [...s];
  while (cps.length > 0) {
    const cp = (cps.pop() as string).codePointAt(0) as number;
    if (cp < 0x10ffff) return cps.join('') + String.fromCodePoint(cp === 0xd7ff ? 0xe000 : cp + 1);
  }
  return undefined;
}

/**
 * Lists the names under `base` (a key prefix ending in "\0") that `isLive` accepts.
 */
export async function listSpace<V>(space: Space<V>, base: string, opts: ListOptions, isLive: (v: V) => boolean): Promise<Array<Listed<V>>> {
  const limit = opts.limit > 0 ? opts.limit : DEFAULT_LIST_LIMIT;
  const { prefix, delimiter, reverse } = opts;
  // Bounds on names: [low, high) with `lowInclusive` telling whether low itself is allowed.
  let low = prefix;
  let lowInclusive = true;
  let high = afterPrefix(prefix);
  const lower = reverse ? opts.endMarker : opts.marker;
  const upper = reverse ? opts.marker : opts.endMarker;
  if (lower && lower >= low) { low = lower; lowInclusive = false; }
  if (upper && (high === undefined || upper < high)) high = upper;
  const range: Record<string, string> = {};
  range[lowInclusive ? 'gte' : 'gt'] = base + low;
  range.lt = high === undefined ? afterPrefix(base) as string : base + high;

  const out: Array<Listed<V>> = [];
  if (high !== undefined && high <= low) return out;
  const it = space.iterator({ ...range, reverse });
  let lastSubdir: string | undefined;
  try {
    outer: while (out.length < limit) {
      const batch = await it.nextv(delimiter ? 64 : Math.min(MAX_BATCH, Math.max(16, limit - out.length)));
      if (batch.length === 0) break;
      for (const [key, value] of batch) {
        const name = key.slice(base.length);
        if (!isLive(value)) continue;
        if (delimiter) {
          const at = name.indexOf(delimiter, prefix.length);
          if (at >= 0) {
            const subdir = name.slice(0, at + delimiter.length);
            // Seen already: a reverse seek lands on the key equal to the subdir; step past it.
            if (subdir === lastSubdir) continue;
            if (subdir !== opts.marker) out.push({ subdir });
            lastSubdir = subdir;
            if (out.length >= limit) break outer;
            // Skip the rest of the subdir: forward past every name starting with it, reverse to it.
            const next = reverse ? subdir : afterPrefix(subdir);
            if (next === undefined) break outer;
            it.seek(base + next);
            continue outer;
          }
        }
        out.push({ name, value });
        if (out.length >= limit) break outer;
      }
    }
  } finally {
    await it.close();
  }
  return out;
}
