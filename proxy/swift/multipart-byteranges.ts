/**
 * multipart/byteranges bodies for GETs with several ranges: each part is fetched lazily (one
 * backend stream at a time) and framed with its Content-Type and Content-Range.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ResolvedRange } from '../large-objects/byte-range.js';

export interface MultipartBody {
  contentType: string;
  contentLength: number;
  body: Readable;
}

/**
 * Builds the body; `fetch` opens the stream of one range when its turn comes.
 */
export function multipartByteranges(
  ranges: ResolvedRange[], size: number, partType: string, fetch: (r: ResolvedRange) => Promise<Readable>,
): MultipartBody {
  const boundary = randomBytes(16).toString('hex');
  const head = (r: ResolvedRange): string =>
    `--${boundary}\r\nContent-Type: ${partType}\r\nContent-Range: bytes ${r.start}-${r.end}/${size}\r\n\r\n`;
  const tail = `--${boundary}--\r\n`;
  const contentLength = ranges.reduce((n, r) => n + Buffer.byteLength(head(r)) + (r.end - r.start + 1) + 2, 0) + Buffer.byteLength(tail);
  async function* generate(): AsyncGenerator<Buffer> {
    for (const r of ranges) {
      yield Buffer.from(head(r));
      const part = await fetch(r);
      for await (const chunk of part as AsyncIterable<Buffer>) yield chunk;
      yield Buffer.from('\r\n');
    }
    yield Buffer.from(tail);
  }
  return { contentType: `multipart/byteranges;boundary=${boundary}`, contentLength, body: Readable.from(generate()) };
}
