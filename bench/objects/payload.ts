/**
 * Object bodies with known MD5s. Small objects reuse a handful of pseudo-random buffers (so GETs
 * can be verified without storing per-object digests); large objects are generated as a stream
 * of 1 MiB chunks so that no process holds the whole object. Bytes are a deterministic function
 * of the size, so a later run can verify objects an earlier run stored.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';

const CHUNK_BYTES = 1024 * 1024;

/** One body variant: the bytes for Buffer-sized objects, or the digest of a generated stream. */
export interface Payload { index: number; md5: string; data?: Buffer }

/** Bodies of one size; `pick(i)` is deterministic so a GET of object i knows its MD5. */
export class PayloadSet {
  readonly size: number;
  private readonly variants: Payload[];
  private readonly seed: Buffer;

  /** Sizes up to 4 MiB are held as buffers; larger ones are streamed from a 1 MiB seed. */
  constructor(size: number, variantCount = 8) {
    this.size = size;
    this.seed = seededBytes(`seed-${size}`, Math.min(size, CHUNK_BYTES) || 1);
    this.variants = [];
    for (let index = 0; index < variantCount; index++) {
      if (size <= 4 * CHUNK_BYTES) {
        const data = seededBytes(`variant-${size}-${index}`, size);
        this.variants.push({ index, data, md5: createHash('md5').update(data).digest('hex') });
      } else {
        this.variants.push({ index, md5: streamedMd5(this.seed, size, index) });
      }
    }
  }

  pick(i: number): Payload {
    return this.variants[i % this.variants.length] as Payload;
  }

  /** A body for `payload`: the buffer itself, or a fresh stream of generated chunks. */
  body(payload: Payload): Buffer | Readable {
    return payload.data ?? Readable.from(generateChunks(this.seed, this.size, payload.index), { objectMode: false });
  }
}

/**
 * Chunk k of variant v is the seed with its first 8 bytes replaced by (v, k), so chunks differ
 * (no dedup or compression helps) but cost nothing to make.
 */
function* generateChunks(seed: Buffer, size: number, variant: number): Generator<Buffer> {
  let left = size;
  for (let k = 0; left > 0; k++) {
    const n = Math.min(left, seed.length);
    const chunk = Buffer.from(seed.subarray(0, n));
    if (n >= 8) { chunk.writeUInt32BE(variant, 0); chunk.writeUInt32BE(k, 4); }
    left -= n;
    yield chunk;
  }
}

function streamedMd5(seed: Buffer, size: number, variant: number): string {
  const hash = createHash('md5');
  for (const chunk of generateChunks(seed, size, variant)) hash.update(chunk);
  return hash.digest('hex');
}

/** Incompressible bytes that depend only on `label` (AES-256-CTR keystream). */
function seededBytes(label: string, size: number): Buffer {
  const key = createHash('sha256').update(`strata-bench-${label}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(size)), cipher.final()]);
}
