/**
 * SocketReader: reads exact byte counts from a socket as promises, pausing the socket while
 * too much is buffered (backpressure). Detachable, so STARTTLS can hand the raw socket to TLS.
 */
import type { Duplex } from 'node:stream';
import { StoreError } from '../../common/index.js';

const HIGH_WATER = 4 * 1024 * 1024;

export class SocketReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private want = 0;
  private waiter?: { resolve: (b: Buffer) => void; reject: (e: Error) => void };
  private ended?: Error;
  private readonly onData = (b: Buffer) => this.push(b);
  private readonly onEnd = () => this.fail(new StoreError('UNAVAILABLE', 'Connection closed by the client'));
  private readonly onError = (err: Error) => this.fail(new StoreError('UNAVAILABLE', `Connection failed: ${err.message}`));

  constructor(private readonly socket: Duplex) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
    socket.on('error', this.onError);
  }

  /** Bytes buffered but not read yet. */
  get pending(): number {
    return this.buffered;
  }

  /** Stops reading from the socket (for STARTTLS). @returns bytes buffered but not consumed */
  detach(): Buffer {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    this.socket.off('error', this.onError);
    const rest = Buffer.concat(this.chunks);
    this.chunks = [];
    this.buffered = 0;
    return rest;
  }

  /** Reads exactly n bytes. @throws UNAVAILABLE when the connection ends first */
  read(n: number): Promise<Buffer> {
    if (this.waiter) return Promise.reject(new StoreError('INTERNAL', 'Concurrent reads on one connection'));
    if (this.buffered >= n) return Promise.resolve(this.take(n));
    if (this.ended) return Promise.reject(this.ended);
    this.want = n;
    if (this.socket.isPaused()) this.socket.resume();
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  private push(b: Buffer): void {
    this.chunks.push(b);
    this.buffered += b.length;
    if (this.waiter && this.buffered >= this.want) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve(this.take(this.want));
    }
    if (this.buffered > HIGH_WATER && !this.waiter) this.socket.pause();
  }

  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    let out: Buffer;
    if (this.chunks[0].length >= n) {
      out = this.chunks[0].subarray(0, n);
      if (this.chunks[0].length === n) this.chunks.shift();
      else this.chunks[0] = this.chunks[0].subarray(n);
    } else {
      const all = Buffer.concat(this.chunks);
      out = all.subarray(0, n);
      this.chunks = all.length > n ? [all.subarray(n)] : [];
    }
    this.buffered -= n;
    if (this.buffered <= HIGH_WATER / 2 && this.socket.isPaused()) this.socket.resume();
    return out;
  }

  private fail(err: Error): void {
    if (this.ended) return;
    this.ended = err;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.reject(err);
    }
  }
}
