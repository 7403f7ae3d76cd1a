/**
 * The flexible checksums of S3 (x-amz-checksum-crc32, -crc32c, -sha1, -sha256, -crc64nvme):
 * streaming hashers and a Transform that verifies the client's value once the body has passed,
 * whether it came in a header or an aws-chunked trailer. Values are base64 of the big-endian
 * digest, as S3 writes them.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';
import { Crc32c } from '@aws-crypto/crc32c';
import { Crc64Nvme } from '@aws-sdk/crc64-nvme';
import { S3Error } from './errors.js';

export const CHECKSUM_ALGORITHMS = ['CRC32', 'CRC32C', 'SHA1', 'SHA256', 'CRC64NVME'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

/** The header (and trailer) name of an algorithm's value, e.g. "x-amz-checksum-crc32". */
export function checksumHeader(alg: ChecksumAlgorithm): string {
  return `x-amz-checksum-${alg.toLowerCase()}`;
}

/** Parses "crc32"/"CRC32" etc. @throws S3Error InvalidRequest for an unknown algorithm */
export function parseChecksumAlgorithm(text: string): ChecksumAlgorithm {
  const upper = text.trim().toUpperCase();
  const alg = CHECKSUM_ALGORITHMS.find((a) => a === upper);
  if (!alg) throw new S3Error('InvalidRequest', `Checksum algorithm "${text}" is not supported`);
  return alg;
}

interface Hasher {
  update(data: Buffer): void;
  digestBase64(): Promise<string>;
}

function u32(n: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b.toString('base64');
}

/** Makes a streaming hasher for one algorithm. */
export function createChecksumHasher(alg: ChecksumAlgorithm): Hasher {
  switch (alg) {
    case 'CRC32': {
      let value = 0;
      return { update: (d) => { value = crc32(d, value); }, digestBase64: async () => u32(value) };
    }
    case 'CRC32C': {
      const h = new Crc32c();
      return { update: (d) => { h.update(d); }, digestBase64: async () => u32(h.digest()) };
    }
    case 'CRC64NVME': {
      const h = new Crc64Nvme();
      return { update: (d) => { h.update(d); }, digestBase64: async () => Buffer.from(await h.digest()).toString('base64') };
    }
    case 'SHA1':
    case 'SHA256': {
      const h: Hash = createHash(alg === 'SHA1' ? 'sha1' : 'sha256');
      return { update: (d) => { h.update(d); }, digestBase64: async () => h.digest('base64') };
    }
  }
}

/**
 * Passes bytes through while computing one checksum; at the end compares it with the client's
 * value (read lazily, because a trailer arrives only after the body).
 * @throws S3Error BadDigest (through the stream) when the values differ
 */
export class ChecksumVerifier extends Transform {
  /** The computed value (base64) once the stream has ended. */
  value: string | undefined;
  private readonly hasher: Hasher;

  constructor(readonly algorithm: ChecksumAlgorithm, private readonly expected: () => string | undefined) {
    super();
    this.hasher = createChecksumHasher(algorithm);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hasher.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.hasher.digestBase64().then((value) => {
      this.value = value;
      const expected = this.expected();
      if (expected === undefined) {
        return done(new S3Error('InvalidRequest', `The ${checksumHeader(this.algorithm)} value was declared but not sent`));
      }
      if (expected !== value) {
        return done(new S3Error('BadDigest', `The ${this.algorithm} you specified did not match the calculated checksum`));
      }
      done();
    }, (err: unknown) => done(err as Error));
  }
}

/** Sha256Verifier: checks a hex x-amz-content-sha256 against the body as it streams. */
export class Sha256Verifier extends Transform {
  private readonly hash = createHash('sha256');
  constructor(private readonly expectedHex: string) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    done(null, chunk);
  }
  override _flush(done: TransformCallback): void {
    const actual = this.hash.digest('hex');
    done(actual === this.expectedHex.toLowerCase() ? null : new S3Error('XAmzContentSHA256Mismatch', undefined, {
      ClientComputedContentSHA256: this.expectedHex, S3ComputedContentSHA256: actual,
    }));
  }
}
