/**
 * Reads a large object: a list of segments (other objects) served as one byte stream. Used by
 * Swift SLO and DLO GETs and by S3 completed multipart uploads.
 *
 * API:
 *   readSegments(cluster, account, segments, { range?, signal? }) → Readable
 *     Streams the concatenation of `segments` (or the inclusive `range` of it), fetching one
 *     segment at a time from the cluster with backpressure; each segment is itself fetched with
 *     a sub-range so only needed bytes move. A segment whose ETag differs from `etag` in its
 *     SegmentRef, that is missing, or that is shorter than `size`, fails the stream with
 *     CONFLICT (before the first byte the caller can still answer 409; later the response is
 *     cut).
 *   totalSize(segments) → number: bytes of the whole large object.
 *   combinedEtag(segments) → string: MD5 hex of the concatenated segment ETags (the SLO and DLO
 *     ETag; S3 multipart adds "-<parts>").
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { StoreError } from '../../common/index.js';
import type { ObjectCluster } from '../../cluster/index.js';
import type { ResolvedRange } from './byte-range.js';

export interface SegmentRef {
  container: string;
  object: string;
  /** Bytes this segment contributes (the sub-range's length when `range` is set). */
  size: number;
  /** Expected ETag of the segment object, checked when present. */
  etag?: string;
  /** Only this inclusive range of the segment object is part of the large object. */
  range?: ResolvedRange;
}

/** Bytes of the whole large object. */
export function totalSize(segments: readonly SegmentRef[]): number {
  return segments.reduce((n, s) => n + s.size, 0);
}

/** MD5 hex of the concatenated segment ETags. */
export function combinedEtag(segments: readonly SegmentRef[]): string {
  const h = createHash('md5');
  for (const s of segments) h.update(s.etag ?? '');
  return h.digest('hex');
}

async function* generate(
  cluster: ObjectCluster, account: string, segments: readonly SegmentRef[],
  range: ResolvedRange, signal: AbortSignal | undefined,
): AsyncGenerator<Buffer> {
  let offset = 0;
  for (const seg of segments) {
    const segStart = offset;
    offset += seg.size;
    if (offset <= range.start || seg.size === 0) continue;
    if (segStart > range.end) break;
    const base = seg.range?.start ?? 0;
    const from = base + Math.max(0, range.start - segStart);
    const to = base + Math.min(seg.size - 1, range.end - segStart);
    const name = `${seg.container}/${seg.object}`;
    const got = await cluster.getObject({ account, container: seg.container, object: seg.object, range: { start: from, end: to }, signal })
      .catch((err: unknown) => {
        // A missing segment is the large object's inconsistency, not a missing large object.
        if (err instanceof StoreError && (err.code === 'NOT_FOUND' || err.code === 'RANGE_NOT_SATISFIABLE')) {
          throw new StoreError('CONFLICT', `Cannot read segment "${name}": ${err.message}`, { cause: err });
        }
        throw err;
      });
    if (seg.etag !== undefined && got.meta.etag !== seg.etag) {
      got.body.destroy();
      throw new StoreError('CONFLICT', `Cannot read segment "${name}": its ETag changed to "${got.meta.etag}"`);
    }
    let sent = 0;
    for await (const chunk of got.body as AsyncIterable<Buffer>) {
      sent += chunk.length;
      yield chunk;
    }
    if (sent !== to - from + 1) {
      throw new StoreError('CONFLICT', `Cannot read segment "${name}": got ${sent} bytes, expected ${to - from + 1}`);
    }
  }
}

/** Streams the large object (or `opts.range` of it). Never buffers more than a chunk. */
export function readSegments(
  cluster: ObjectCluster, account: string, segments: readonly SegmentRef[],
  opts: { range?: ResolvedRange; signal?: AbortSignal } = {},
): Readable {
  const range = opts.range ?? { start: 0, end: totalSize(segments) - 1 };
  return Readable.from(generate(cluster, account, segments, range, opts.signal), { objectMode: false });
}
