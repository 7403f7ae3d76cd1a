/** Resolves a requested byte range against an object size. */
import { StoreError } from '../common/index.js';
import type { ByteRange } from '../cluster/index.js';

/**
 * Inclusive [start, end] for `range` within `size` bytes; an end past the object is clamped, as
 * HTTP does.
 * @throws RANGE_NOT_SATISFIABLE when no byte of the object is in the range
 */
export function resolveRange(range: ByteRange, size: number): { start: number; end: number } {
  if ('suffix' in range) {
    if (!(range.suffix > 0) || size === 0) {
      throw new StoreError('RANGE_NOT_SATISFIABLE', `Cannot serve the last ${range.suffix} bytes of ${size}`);
    }
    return { start: Math.max(0, size - range.suffix), end: size - 1 };
  }
  const end = range.end === undefined || range.end < 0 ? size - 1 : Math.min(range.end, size - 1);
  if (range.start < 0 || range.start >= size || end < range.start) {
    throw new StoreError('RANGE_NOT_SATISFIABLE', `Cannot serve bytes ${range.start}-${range.end ?? ''} of ${size}`);
  }
  return { start: range.start, end };
}
