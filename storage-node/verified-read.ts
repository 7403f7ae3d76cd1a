/**
 * VerifyingStream: passes a whole object's body through while computing its xxhash64, and holds
 * back the last chunk until the checksum is verified. On a mismatch the stream fails with
 * CORRUPT instead of delivering the final bytes, so a reader (the proxy's resuming
 * body, a client) always sees an error, never a complete-looking corrupt object. Ranged reads
 * are not verified here (the auditor covers them).
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { FileHandle } from 'node:fs/promises';
import { StoreError } from '../common/index.js';
import { xxhashApi, hex64 } from './checksum.js';
import { wholeFileOf } from './object-file.js';

/**
 * Whole-object reads up to this size are checked before the first byte is sent (a second read,
 * from the page cache): a corrupt replica then fails before its head, and the proxy simply reads
 * another replica. Larger objects are checked on the way (VerifyingStream).
 */
export const PREVERIFY_MAX_BYTES = 1024 * 1024;

/**
 * Reads the first `size` bytes (at most PREVERIFY_MAX_BYTES) of an open file into one buffer
 * and checks their xxhash64: one read and one hash serve both the check and the reply, where
 * checking and then streaming the file read and hashed it twice.
 * @returns the bytes, or undefined when the checksum (or the length) does not match
 */
export async function readVerified(fh: FileHandle, size: number, expected: string): Promise<Buffer | undefined> {
  if (size > PREVERIFY_MAX_BYTES) throw new StoreError('INTERNAL', `Cannot read ${size} bytes at once: over ${PREVERIFY_MAX_BYTES}`);
  const whole = wholeFileOf(fh);
  const read = whole !== undefined && whole.length >= size;
  const buf = read ? whole.subarray(0, size) : Buffer.allocUnsafe(size);
  for (let pos = read ? size : 0; pos < size;) {
    const { bytesRead } = await fh.read(buf, pos, size - pos, pos);
    if (bytesRead === 0) return undefined;
    pos += bytesRead;
  }
  const xx = xxhashApi().create64();
  xx.update(buf);
  return hex64(xx.digest()) === expected ? buf : undefined;
}

export class VerifyingStream extends Transform {
  private readonly xx = xxhashApi().create64();
  private held: Buffer | undefined;
  private bytes = 0;

  /**
   * @param expected xxhash64 hex from the file's metadata
   * @param size bytes expected
   * @param onCorrupt called once on a mismatch (quarantine), before the stream fails
   */
  constructor(private readonly expected: string, private readonly size: number, private readonly onCorrupt: () => void) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.xx.update(chunk);
    this.bytes += chunk.length;
    const out = this.held;
    this.held = chunk;
    cb(null, out);
  }

  override _flush(cb: TransformCallback): void {
    const got = hex64(this.xx.digest());
    if (got !== this.expected || this.bytes !== this.size) {
      this.onCorrupt();
      cb(new StoreError('CORRUPT', `Cannot read object: content checksum "${got}" is not the stored "${this.expected}"`));
      return;
    }
    cb(null, this.held);
  }
}
