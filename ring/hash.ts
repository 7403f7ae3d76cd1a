/**
 * Path hashing: xxhash64 of the cluster's hash secret followed by the path; the partition is the
 * top `partPower` bits. xxhash-wasm needs one asynchronous initialisation per process, done once
 * here and awaited by Ring.load() and the builder, so that lookups stay synchronous.
 */
import xxhash, { type XXHashAPI } from 'xxhash-wasm';

let pending: Promise<XXHashAPI> | undefined;

/** The process-wide xxhash instance (initialised on first call). */
export function loadXxhash(): Promise<XXHashAPI> {
  pending ??= xxhash();
  return pending;
}

const encoder = new TextEncoder();

/** Maps paths to partitions. Not safe to share between threads (it reuses one buffer). */
export class PathHasher {
  private buf: Uint8Array;
  private readonly saltLen: number;
  private readonly shift: bigint;

  constructor(private readonly api: XXHashAPI, secret: string, readonly partPower: number) {
    const salt = encoder.encode(secret);
    this.saltLen = salt.length;
    this.buf = new Uint8Array(this.saltLen + 1024);
    this.buf.set(salt);
    this.shift = BigInt(64 - partPower);
  }

  /** The 64-bit hash of salt + path. */
  hash(path: string): bigint {
    // A UTF-8 encoding takes at most 3 bytes per UTF-16 unit.
    if (this.saltLen + path.length * 3 > this.buf.length) {
      const bigger = new Uint8Array(this.saltLen + path.length * 3);
      bigger.set(this.buf.subarray(0, this.saltLen));
      this.buf = bigger;
    }
    const { written } = encoder.encodeInto(path, this.buf.subarray(this.saltLen));
    return this.api.h64Raw(this.buf.subarray(0, this.saltLen + written));
  }

  /** The partition of a path: the top `partPower` bits of its hash. */
  partOf(path: string): number {
    return Number(this.hash(path) >> this.shift);
  }
}
