/**
 * Content digests of an object body: MD5 (the ETag clients see), xxhash64 (the internal integrity
 * checksum the auditor verifies) and the byte count, computed in one pass while the body streams.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import xxhash, { type XXHashAPI } from 'xxhash-wasm';

let api: XXHashAPI | undefined;
const ready = xxhash().then((a) => { api = a; return a; });

/** Resolves once the xxhash wasm module is compiled; call once before using digests. */
export async function initChecksums(): Promise<XXHashAPI> {
  return api ?? ready;
}

/** The xxhash API after initChecksums() resolved. @throws INTERNAL-style Error when called too early */
export function xxhashApi(): XXHashAPI {
  if (!api) throw new Error('xxhash used before initChecksums() resolved');
  return api;
}

/** Lowercase 16-digit hex of a 64-bit hash. */
export function hex64(v: bigint): string {
  return v.toString(16).padStart(16, '0');
}

export interface ContentDigest {
  /** MD5, lowercase hex. */
  etag: string;
  /** xxhash64, lowercase hex. */
  checksum: string;
  size: number;
}

/** Accumulates MD5 + xxhash64 + length over chunks. */
export class ContentDigester {
  private readonly md5: Hash = createHash('md5');
  private readonly xx = xxhashApi().create64();
  private bytes = 0;

  update(chunk: Uint8Array): void {
    this.md5.update(chunk);
    this.xx.update(chunk);
    this.bytes += chunk.length;
  }

  get size(): number {
    return this.bytes;
  }

  /** Final digests; call once. */
  digest(): ContentDigest {
    return { etag: this.md5.digest('hex'), checksum: hex64(this.xx.digest()), size: this.bytes };
  }
}

/**
 * A pass-through Transform that digests what flows through it; `result` resolves at the end.
 * Used where the body is piped (GET verification, the auditor).
 */
export class DigestTransform extends Transform {
  private readonly digester = new ContentDigester();
  result: ContentDigest | undefined;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.digester.update(chunk);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.result = this.digester.digest();
    cb();
  }
}
