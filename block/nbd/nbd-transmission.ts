/**
 * The NBD transmission phase of one connection: reads requests, runs many at once (replies go out
 * in completion order, matched by cookie), bounds the bytes in flight, and answers every bad
 * request with an errno instead of closing. Only a broken framing (bad magic, a payload too big
 * to skip) ends the connection.
 */
import type { Duplex } from 'node:stream';
import { StoreError, type Logger } from '../../common/index.js';
import * as C from './nbd-constants.js';
import { nbdErrnoOf } from './errors.js';
import type { NbdSession } from './nbd-handshake.js';
import type { ReadPiece } from './nbd-export.js';

export interface TransmissionOptions {
  log: Logger;
  /** Payload bytes (writes in, reads out) allowed in flight per connection. */
  maxInFlightBytes?: number;
}

interface Request { flags: number; type: number; cookie: Buffer; offset: number; length: number }

const SKIPPABLE_PAYLOAD = 2 * C.MAX_PAYLOAD;

class Replier {
  private held = false;

  constructor(private readonly socket: Duplex) {}

  /**
   * Holds the socket corked until the end of this event-loop turn, so the replies completed by one
   * batch of storage-node answers leave in one writev instead of one syscall each.
   */
  private hold(): void {
    if (this.held) return;
    this.held = true;
    this.socket.cork();
    setImmediate(() => {
      this.held = false;
      this.socket.uncork();
    });
  }

  simple(cookie: Buffer, errno: number, data?: Buffer): void {
    this.hold();
    const h = Buffer.alloc(16);
    h.writeUInt32BE(C.SIMPLE_REPLY_MAGIC, 0);
    h.writeUInt32BE(errno, 4);
    cookie.copy(h, 8);
    this.socket.write(data ? Buffer.concat([h, data]) : h);
  }

  chunk(cookie: Buffer, flags: number, type: number, payload: Buffer[]): void {
    this.hold();
    const len = payload.reduce((n, b) => n + b.length, 0);
    const h = Buffer.alloc(20);
    h.writeUInt32BE(C.STRUCTURED_REPLY_MAGIC, 0);
    h.writeUInt16BE(flags, 4);
    h.writeUInt16BE(type, 6);
    cookie.copy(h, 8);
    h.writeUInt32BE(len, 16);
    this.socket.write(h);
    for (const p of payload) this.socket.write(p);
  }

  error(cookie: Buffer, structured: boolean, errno: number, message: string): void {
    if (!structured) return this.simple(cookie, errno);
    const m = Buffer.from(message.slice(0, 200), 'utf8');
    const p = Buffer.alloc(6);
    p.writeUInt32BE(errno, 0);
    p.writeUInt16BE(m.length, 4);
    this.chunk(cookie, C.REPLY_FLAG_DONE, C.REPLY_TYPE_ERROR, [p, m]);
  }
}

function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n), 0);
  return b;
}

/** Serves requests until DISC or the connection ends. */
export async function serveTransmission(s: NbdSession, opts: TransmissionOptions): Promise<void> {
  const { reader, socket, export: exp } = s;
  const out = new Replier(socket);
  const maxBytes = opts.maxInFlightBytes ?? 64 * 1024 * 1024;
  const inFlight = new Set<Promise<void>>();
  let bytes = 0;
  let wake: (() => void) | undefined;
  const settle = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  const run = (req: Request, payload: Buffer | undefined, cost: number): void => {
    bytes += cost;
    const p = handle(req, payload).catch((err: unknown) => {
      if (!(err instanceof StoreError) || err.code === 'INTERNAL') opts.log.error({ err, type: req.type }, 'NBD request failed');
      else opts.log.debug({ code: err.code, msg: err.message }, 'NBD request refused');
      if (!socket.destroyed) out.error(req.cookie, s.structured, nbdErrnoOf(err), err instanceof Error ? err.message : 'error');
    }).finally(() => {
      bytes -= cost;
      inFlight.delete(p);
      settle();
    });
    inFlight.add(p);
  };

  const handle = async (req: Request, payload: Buffer | undefined): Promise<void> => {
    const fua = (req.flags & C.CMD_FLAG_FUA) !== 0;
    const size = exp.size();
    const beyond = req.offset + req.length > size;
    switch (req.type) {
      case C.CMD_READ: {
        if (req.length > C.MAX_PAYLOAD) throw new StoreError('INVALID_ARGUMENT', `Read of ${req.length} bytes exceeds the maximum ${C.MAX_PAYLOAD}`);
        if (beyond) throw new StoreError('INVALID_ARGUMENT', `Read at ${req.offset}+${req.length} is past the end (${size})`);
        const pieces = req.length === 0 ? [] : await exp.read(req.offset, req.length);
        if (socket.destroyed) return;
        if (!s.structured || (req.flags & C.CMD_FLAG_DF) !== 0) return sendWhole(req, pieces);
        return sendStructuredRead(req, pieces);
      }
      case C.CMD_WRITE:
        if (exp.readOnly) throw new StoreError('PERMISSION_DENIED', 'Export is read-only');
        if (!payload) throw new StoreError('INVALID_ARGUMENT', `Write of ${req.length} bytes exceeds the maximum ${C.MAX_PAYLOAD}`);
        if (beyond) throw new StoreError('NO_SPACE', `Write at ${req.offset}+${req.length} is past the end (${size})`);
        if (req.length > 0) await exp.write(req.offset, payload, fua);
        return out.simple(req.cookie, 0);
      case C.CMD_FLUSH:
        await exp.flush();
        return out.simple(req.cookie, 0);
      case C.CMD_TRIM:
      case C.CMD_WRITE_ZEROES: {
        if (exp.readOnly) throw new StoreError('PERMISSION_DENIED', 'Export is read-only');
        if (beyond) throw new StoreError(req.type === C.CMD_TRIM ? 'INVALID_ARGUMENT' : 'NO_SPACE', `Request at ${req.offset}+${req.length} is past the end (${size})`);
        if (req.length > 0) {
          await exp.zero(req.offset, req.length, {
            trim: req.type === C.CMD_TRIM, fua, fastZero: (req.flags & C.CMD_FLAG_FAST_ZERO) !== 0, noHole: (req.flags & C.CMD_FLAG_NO_HOLE) !== 0,
          });
        }
        return out.simple(req.cookie, 0);
      }
      case C.CMD_BLOCK_STATUS: {
        if (!s.structured || !s.allocationContext) throw new StoreError('INVALID_ARGUMENT', 'BLOCK_STATUS needs structured replies and base:allocation');
        if (req.length === 0 || beyond) throw new StoreError('INVALID_ARGUMENT', `Block status at ${req.offset}+${req.length} is out of range (${size})`);
        let runs = exp.blockStatus(req.offset, req.length);
        if ((req.flags & C.CMD_FLAG_REQ_ONE) !== 0) runs = runs.slice(0, 1);
        runs = runs.slice(0, 8192);
        const p = Buffer.alloc(4 + 8 * runs.length);
        p.writeUInt32BE(C.BASE_ALLOCATION_ID, 0);
        runs.forEach((r, i) => {
          p.writeUInt32BE(r.length, 4 + 8 * i);
          p.writeUInt32BE(r.flags, 8 + 8 * i);
        });
        return out.chunk(req.cookie, C.REPLY_FLAG_DONE, C.REPLY_TYPE_BLOCK_STATUS, [p]);
      }
      default:
        throw new StoreError('INVALID_ARGUMENT', `Unknown command ${req.type}`);
    }
  };

  const sendWhole = (req: Request, pieces: ReadPiece[]): void => {
    const buf = Buffer.alloc(req.length);
    for (const p of pieces) p.data?.copy(buf, p.at);
    if (!s.structured) return out.simple(req.cookie, 0, buf);
    out.chunk(req.cookie, C.REPLY_FLAG_DONE, C.REPLY_TYPE_OFFSET_DATA, [u64(req.offset), buf]);
  };

  const sendStructuredRead = (req: Request, pieces: ReadPiece[]): void => {
    // Merge neighbouring holes so a sparse read is a few chunks, not one per extent.
    const merged: ReadPiece[] = [];
    for (const p of pieces) {
      const last = merged[merged.length - 1];
      if (last && !last.data && !p.data) last.length += p.length;
      else merged.push({ ...p });
    }
    if (merged.length === 0) return out.chunk(req.cookie, C.REPLY_FLAG_DONE, C.REPLY_TYPE_NONE, []);
    socket.cork();
    merged.forEach((p, i) => {
      const done = i === merged.length - 1 ? C.REPLY_FLAG_DONE : 0;
      if (p.data) {
        out.chunk(req.cookie, done, C.REPLY_TYPE_OFFSET_DATA, [u64(req.offset + p.at), p.data]);
      } else {
        const hole = Buffer.alloc(12);
        hole.writeBigUInt64BE(BigInt(req.offset + p.at), 0);
        hole.writeUInt32BE(p.length, 8);
        out.chunk(req.cookie, done, C.REPLY_TYPE_OFFSET_HOLE, [hole]);
      }
    });
    socket.uncork();
  };

  try {
    while (true) {
      while (bytes > maxBytes || socket.writableNeedDrain) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          if (socket.writableNeedDrain) socket.once('drain', settle);
        });
      }
      const h = await reader.read(28);
      if (h.readUInt32BE(0) !== C.REQUEST_MAGIC) {
        opts.log.warn('bad NBD request magic; closing connection');
        break;
      }
      const offset = h.readBigUInt64BE(16);
      const req: Request = {
        flags: h.readUInt16BE(4), type: h.readUInt16BE(6), cookie: Buffer.from(h.subarray(8, 16)),
        offset: offset > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(offset), length: h.readUInt32BE(24),
      };
      if (req.type === C.CMD_DISC) break;
      if (req.type === C.CMD_WRITE) {
        if (req.length > SKIPPABLE_PAYLOAD) {
          opts.log.warn({ length: req.length }, 'NBD write payload too large to skip; closing connection');
          break;
        }
        const payload = await reader.read(req.length);
        run(req, req.length > C.MAX_PAYLOAD ? undefined : payload, req.length);
      } else {
        run(req, undefined, req.type === C.CMD_READ ? Math.min(req.length, C.MAX_PAYLOAD) : 0);
      }
    }
  } catch (err) {
    if (!(err instanceof StoreError && err.code === 'UNAVAILABLE')) opts.log.warn({ err }, 'NBD connection failed');
  }
  await Promise.allSettled([...inFlight]);
}
