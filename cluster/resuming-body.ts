/**
 * A GET body that survives the loss of its node, as Swift's proxy does: when the stream from one
 * replica fails part way, the rest is fetched from another replica (a range from the current
 * offset, accepted only if it is the same version: timestamp and ETag), and the consumer sees one
 * uninterrupted stream. Backpressure is kept: bytes are pulled only as the consumer reads.
 */
import { Readable } from 'node:stream';
import { StoreError, errorCodeOf } from '../common/index.js';

function isCorruption(err: unknown): boolean {
  const code = errorCodeOf(err);
  return code === 'CORRUPT' || code === 'CHECKSUM_MISMATCH';
}

export interface ResumeOptions {
  /** Absolute offset of the first byte `first` delivers. */
  start: number;
  /** Absolute offset of the last byte wanted (inclusive). */
  end: number;
  /** Most times the stream moves to another replica. */
  maxResumes: number;
  /**
   * Opens the bytes `offset..end` of the same version on another replica.
   * @throws when no other replica can serve them
   */
  resume(offset: number, cause: unknown): Promise<Readable>;
}

/** Wraps `first` so that a failure part way continues from another replica. */
export function resumingBody(first: Readable, opts: ResumeOptions): Readable {
  async function* bytes(): AsyncGenerator<Buffer> {
    let body = first;
    let offset = opts.start;
    let resumes = 0;
    for (;;) {
      try {
        for await (const chunk of body) {
          const buf = chunk as Buffer;
          offset += buf.length;
          yield buf;
        }
        if (offset <= opts.end) {
          throw new StoreError('UNAVAILABLE', `The replica's stream ended at byte ${offset} of ${opts.end + 1}`);
        }
        return;
      } catch (err) {
        body.destroy();
        // A replica that found its own bytes corrupt has already sent some of them: continuing
        // from another replica would hand the client a silently mixed body, so fail instead.
        if (isCorruption(err)) throw err;
        if (resumes >= opts.maxResumes || offset > opts.end) throw err;
        resumes++;
        body = await opts.resume(offset, err);
      }
    }
  }
  return Readable.from(bytes(), { objectMode: false, highWaterMark: 64 * 1024 });
}
