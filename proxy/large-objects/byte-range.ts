/**
 * Byte ranges over objects (HTTP semantics, shared by the in-memory cluster, the Swift range
 * handling and the large-object reader): an end past the object is clipped, a suffix longer
 * than the object serves all of it, a start at or past the end is unsatisfiable.
 */
import { StoreError } from '../../common/index.js';
import type { ByteRange } from '../../cluster/index.js';

/** An inclusive, resolved byte range. */
export interface ResolvedRange {
  start: number;
  end: number;
}

/**
 * Inclusive start and end of `range` within an object of `size` bytes.
 * @throws RANGE_NOT_SATISFIABLE when no byte of the object is in the range
 */
export function resolveRange(range: ByteRange, size: number): ResolvedRange {
  if ('suffix' in range) {
    if (range.suffix <= 0 || size === 0) {
      throw new StoreError('RANGE_NOT_SATISFIABLE', `Cannot serve the last ${range.suffix} bytes of ${size}`);
    }
    return { start: Math.max(0, size - range.suffix), end: size - 1 };
  }
  if (range.start >= size || (range.end !== undefined && range.end < range.start)) {
    throw new StoreError('RANGE_NOT_SATISFIABLE', `Cannot serve bytes ${range.start}-${range.end ?? ''} of ${size}`);
  }
  return { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) };
}

/**
 * Parses an HTTP Range header ("bytes=0-4,10-,-5"). Returns undefined when the header is absent
 * or malformed, in which case HTTP says to serve the whole object.
 */
export function parseRangeHeader(header: string | undefined, maxRanges = 50): ByteRange[] | undefined {
  if (!header) return undefined;
  const m = /^\s*bytes\s*=\s*(.+)$/i.exec(header);
  if (!m) return undefined;
  const out: ByteRange[] = [];
  for (const part of m[1]!.split(',')) {
    const p = part.trim();
    const r = /^(\d*)-(\d*)$/.exec(p);
    if (!r || (r[1] === '' && r[2] === '')) return undefined;
    if (r[1] === '') out.push({ suffix: Number(r[2]) });
    else if (r[2] === '') out.push({ start: Number(r[1]) });
    else {
      const start = Number(r[1]);
      const end = Number(r[2]);
      if (end < start) return undefined;
      out.push({ start, end });
    }
  }
  if (out.length === 0 || out.length > maxRanges) return undefined;
  return out;
}

/**
 * Resolves parsed ranges against a size, dropping unsatisfiable ones.
 * @throws RANGE_NOT_SATISFIABLE when none is satisfiable
 */
export function resolveRanges(ranges: ByteRange[], size: number): ResolvedRange[] {
  const out: ResolvedRange[] = [];
  for (const r of ranges) {
    try {
      out.push(resolveRange(r, size));
    } catch {
      // One unsatisfiable range among others is skipped, as HTTP allows.
    }
  }
  if (out.length === 0) throw new StoreError('RANGE_NOT_SATISFIABLE', `Cannot serve any requested range of ${size} bytes`);
  return out;
}
