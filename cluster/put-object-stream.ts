/**
 * The sending side of one PutObject call: header already written, then body chunks with
 * backpressure, then the trailer and the node's reply. A failure at any point (the node died, the
 * deadline passed, the node refused the header) is kept in `error` and rejects `finish()`, so a
 * fan-out can drop this replica and carry on with the others.
 */
import type { ClientWritableStream } from '@grpc/grpc-js';
import { StoreError } from '../common/index.js';
import { fromServiceError } from './grpc-status.js';
import type { PutObjectRequestMsg, PutObjectResponseMsg, PutObjectTrailerMsg } from './storage-messages.js';

/**
 * A body chunk already serialised as a PutObjectRequest message (field 2, `chunk`). A fan-out
 * encodes each chunk once and writes the same bytes to every replica's call: protobuf encoding
 * per replica was a copy of the body per replica (10% of the proxy's CPU on 1 MiB PUTs).
 */
export type EncodedChunk = Buffer & { readonly __encodedPutChunk: true };

/** Tag of field 2 (`bytes chunk`) with wire type 2 (length-delimited). */
const CHUNK_TAG = (2 << 3) | 2;

/**
 * Encodes `parts` (in order, `total` bytes together) as one `{ chunk }` PutObjectRequest
 * message: the parts are copied once, straight into the message.
 */
export function encodeChunk(parts: readonly Uint8Array[], total: number): EncodedChunk {
  let lenBytes = 1;
  for (let v = total; v >= 0x80; v = Math.floor(v / 0x80)) lenBytes++;
  const out = Buffer.allocUnsafe(1 + lenBytes + total);
  out[0] = CHUNK_TAG;
  let pos = 1;
  let v = total;
  while (v >= 0x80) {
    out[pos++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  out[pos++] = v;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  if (pos !== out.length) throw new StoreError('INTERNAL', `Cannot encode a body chunk: ${pos - 1 - lenBytes} bytes given, ${total} announced`);
  return out as EncodedChunk;
}

/**
 * Wraps a message serializer so that already-encoded messages (Buffers) pass through untouched;
 * grpc-js calls the serializer of a call for every message written to it.
 */
export function passEncoded<T>(serialize: (msg: T) => Buffer): (msg: T | Buffer) => Buffer {
  return (msg) => (Buffer.isBuffer(msg) ? msg : serialize(msg));
}

export class PutObjectStream {
  /** Set once the call has failed; nothing more is sent after that. */
  error: StoreError | undefined;
  private reply: PutObjectResponseMsg | undefined;
  private settled = false;
  private readonly waiters = new Set<() => void>();
  private readonly failureListeners = new Set<(err: StoreError) => void>();

  /**
   * @param call the grpc-js stream; its callback must be wired to `onReply()` by the creator
   * @param context prefix of error messages, e.g. `Cannot PUT "a/c/o" on 10.0.0.1:6200/sdb`
   */
  constructor(
    private readonly call: ClientWritableStream<PutObjectRequestMsg>,
    private readonly context: string,
    private readonly chunkTimeoutMs: number,
    private readonly replyTimeoutMs: number,
  ) {
    call.on('drain', () => this.wake());
    // A broken call also fails through the callback; this listener only keeps an 'error'
    // event from being unhandled.
    call.on('error', () => undefined);
  }

  /** Called by the creator from the grpc callback. */
  onReply(err: unknown, res: PutObjectResponseMsg | undefined): void {
    if (this.settled) return;
    this.settled = true;
    if (err) this.fail(fromServiceError(err, this.context));
    else this.reply = res;
    this.wake();
  }

  /** Registers a listener for the first failure (used to swap in a handoff early, or count). */
  onFailure(fn: (err: StoreError) => void): void {
    if (this.error) fn(this.error);
    else this.failureListeners.add(fn);
  }

  /** Sends one body chunk; false means wait for `drained()` before the next. */
  write(chunk: Buffer): boolean {
    return this.writeEncoded(encodeChunk([chunk], chunk.length));
  }

  /** Sends one chunk encoded by `encodeChunk()` (shared by all replicas); false: wait for `drained()`. */
  writeEncoded(chunk: EncodedChunk): boolean {
    if (this.error || this.settled) return true;
    // The call's serializer passes Buffers through (see passEncoded); the cast reflects that.
    return this.call.write(chunk as unknown as PutObjectRequestMsg);
  }

  /** Resolves when the stream can take more, or has failed (check `error`). */
  drained(): Promise<void> {
    if (this.error || this.settled || !this.call.writableNeedDrain) return Promise.resolve();
    return this.waitFor(this.chunkTimeoutMs, 'the node stopped reading');
  }

  /**
   * Sends the trailer, ends the stream and waits for the node's reply (the object is durable then).
   * @throws the node's code (CHECKSUM_MISMATCH, NO_SPACE, ...), TIMEOUT, UNAVAILABLE
   */
  async finish(trailer: PutObjectTrailerMsg): Promise<PutObjectResponseMsg> {
    if (!this.error && !this.settled) {
      this.call.write({ part: 'trailer', trailer });
      this.call.end();
      await this.waitFor(this.replyTimeoutMs, 'no reply after the trailer');
    }
    if (this.error) throw this.error;
    if (!this.reply) throw new StoreError('INTERNAL', `${this.context}: the node sent no reply`);
    return this.reply;
  }

  /** Cancels the call (the node discards the partial upload). */
  abort(reason: StoreError): void {
    if (!this.settled) this.fail(reason);
    this.settled = true;
    this.call.cancel();
    this.wake();
  }

  private fail(err: StoreError): void {
    if (this.error) return;
    this.error = err;
    for (const fn of this.failureListeners) fn(err);
    this.failureListeners.clear();
  }

  private waitFor(timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.abort(new StoreError('TIMEOUT', `${this.context}: ${what} within ${timeoutMs} ms`));
        done();
      }, timeoutMs);
      this.waiters.add(done);
    });
  }

  private wake(): void {
    for (const fn of [...this.waiters]) fn();
  }
}
