/**
 * Swift's listing rules over a sorted list of names, shared by the in-memory cluster's account
 * and container listings: prefix, delimiter (subdirs), marker, end_marker, reverse and limit.
 * With reverse, names are walked in descending order and the markers keep their paging meaning
 * in that order (marker: return names before it; end_marker: stop at or after it), as Swift does.
 */
import type { ListingOptions, SubdirEntry } from '../../cluster/index.js';

/** Bytewise UTF-8 order, which is the order storage nodes list in (not UTF-16 code units). */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Applies the listing options to `names` (any order) and maps the survivors with `entry`.
 * Subdir entries equal to the marker are skipped, so a client paging with the last subdir it
 * saw as the marker does not get it twice.
 */
export function applyListing<E>(
  names: Iterable<string>,
  opts: ListingOptions,
  entry: (name: string) => E,
): Array<E | SubdirEntry> {
  const sorted = [...names].sort(compareNames);
  if (opts.reverse) sorted.reverse();
  const prefix = opts.prefix ?? '';
  const out: Array<E | SubdirEntry> = [];
  let lastSubdir: string | undefined;
  for (const name of sorted) {
    if (out.length >= opts.limit) break;
    if (!name.startsWith(prefix)) continue;
    if (opts.marker !== undefined && opts.marker !== '') {
      const c = compareNames(name, opts.marker);
      if (opts.reverse ? c >= 0 : c <= 0) continue;
    }
    if (opts.endMarker !== undefined && opts.endMarker !== '') {
      const c = compareNames(name, opts.endMarker);
      if (opts.reverse ? c <= 0 : c >= 0) continue;
    }
    if (opts.delimiter) {
      const at = name.indexOf(opts.delimiter, prefix.length);
      if (at >= 0) {
        const subdir = name.slice(0, at + opts.delimiter.length);
        if (subdir !== lastSubdir && subdir !== opts.marker) out.push({ subdir });
        lastSubdir = subdir;
        continue;
      }
    }
    out.push(entry(name));
  }
  return out;
}
