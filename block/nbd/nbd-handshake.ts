/**
 * The NBD fixed newstyle handshake: greeting, then options until the client picks an export
 * (NBD_OPT_GO or NBD_OPT_EXPORT_NAME) or leaves. Handles LIST, INFO, GO, ABORT, STARTTLS,
 * STRUCTURED_REPLY and LIST/SET_META_CONTEXT (base:allocation). Bad options get NBD_REP_ERR_*
 * replies; only unrecoverable framing errors close the connection.
 */
import { TLSSocket, type TLSSocketOptions } from 'node:tls';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { StoreError, type Logger } from '../../common/index.js';
import * as C from './nbd-constants.js';
import type { NbdExport, NbdExportProvider } from './nbd-export.js';
import { SocketReader } from './socket-reader.js';

export interface HandshakeOptions {
  provider: NbdExportProvider;
  /** TLS for STARTTLS; `required` refuses everything else until it is done. */
  tls?: { socketOptions: TLSSocketOptions; required: boolean };
  log: Logger;
}

export interface NbdSession {
  socket: Duplex;
  reader: SocketReader;
  export: NbdExport;
  structured: boolean;
  /** base:allocation was negotiated (BLOCK_STATUS allowed). */
  allocationContext: boolean;
}

const MAX_OPTION_BYTES = 64 * 1024;

/** Transmission flags of an export. */
export function transmissionFlags(exp: NbdExport): number {
  let f = C.TF_HAS_FLAGS | C.TF_SEND_FLUSH | C.TF_SEND_FUA | C.TF_CAN_MULTI_CONN | C.TF_SEND_DF;
  if (exp.readOnly) f |= C.TF_READ_ONLY;
  else f |= C.TF_SEND_TRIM | C.TF_SEND_WRITE_ZEROES | C.TF_SEND_FAST_ZERO;
  return f;
}

function optReply(socket: Duplex, opt: number, type: number, data: Buffer = Buffer.alloc(0)): void {
  const h = Buffer.alloc(20);
  h.writeBigUInt64BE(C.REPLY_MAGIC_OPT, 0);
  h.writeUInt32BE(opt, 8);
  h.writeUInt32BE(type >>> 0, 12);
  h.writeUInt32BE(data.length, 16);
  socket.write(data.length > 0 ? Buffer.concat([h, data]) : h);
}

function errReply(socket: Duplex, opt: number, type: number, message: string): void {
  optReply(socket, opt, type, Buffer.from(message.slice(0, 1000), 'utf8'));
}

/** Parses "u32 length + name" at `pos`. @throws INVALID_ARGUMENT when it overruns */
function readString(data: Buffer, pos: number): { value: string; next: number } {
  if (pos + 4 > data.length) throw new StoreError('INVALID_ARGUMENT', 'Option data too short');
  const n = data.readUInt32BE(pos);
  if (pos + 4 + n > data.length || n > 4096) throw new StoreError('INVALID_ARGUMENT', 'Option string overruns its data');
  return { value: data.toString('utf8', pos + 4, pos + 4 + n), next: pos + 4 + n };
}

/** Runs the handshake. Returns undefined when the client aborted or left. */
export async function negotiate(raw: Socket, opts: HandshakeOptions): Promise<NbdSession | undefined> {
  let socket: Duplex = raw;
  let reader = new SocketReader(raw);
  let tlsActive = false;
  let structured = false;
  let allocationContext = false;
  const greeting = Buffer.alloc(18);
  greeting.writeBigUInt64BE(C.NBDMAGIC, 0);
  greeting.writeBigUInt64BE(C.IHAVEOPT, 8);
  greeting.writeUInt16BE(C.FLAG_FIXED_NEWSTYLE | C.FLAG_NO_ZEROES, 16);
  raw.write(greeting);
  const clientFlags = (await reader.read(4)).readUInt32BE(0);
  if ((clientFlags & C.FLAG_C_FIXED_NEWSTYLE) === 0 || (clientFlags & ~(C.FLAG_C_FIXED_NEWSTYLE | C.FLAG_C_NO_ZEROES)) !== 0) {
    opts.log.debug({ clientFlags }, 'client lacks fixed newstyle; closing');
    return undefined;
  }
  const noZeroes = (clientFlags & C.FLAG_C_NO_ZEROES) !== 0;

  for (let count = 0; count < 1000; count++) {
    const head = await reader.read(16);
    if (head.readBigUInt64BE(0) !== C.IHAVEOPT) return undefined;
    const opt = head.readUInt32BE(8);
    const len = head.readUInt32BE(12);
    if (len > MAX_OPTION_BYTES) {
      // Too big to skip safely: say so, then hang up.
      errReply(socket, opt, C.REP_ERR_TOO_BIG, 'Option data too large');
      return undefined;
    }
    const data = await reader.read(len);
    if (opts.tls?.required && !tlsActive && opt !== C.OPT_STARTTLS && opt !== C.OPT_ABORT) {
      if (opt === C.OPT_EXPORT_NAME) return undefined;
      errReply(socket, opt, C.REP_ERR_TLS_REQD, 'TLS is required: send NBD_OPT_STARTTLS first');
      continue;
    }
    try {
      switch (opt) {
        case C.OPT_ABORT:
          optReply(socket, opt, C.REP_ACK);
          return undefined;
        case C.OPT_LIST: {
          if (len !== 0) throw new StoreError('INVALID_ARGUMENT', 'NBD_OPT_LIST takes no data');
          for (const e of await opts.provider.list()) {
            const name = Buffer.from(e.name, 'utf8');
            const lenBuf = Buffer.alloc(4);
            lenBuf.writeUInt32BE(name.length, 0);
            optReply(socket, opt, C.REP_SERVER, Buffer.concat([lenBuf, name, Buffer.from(e.description, 'utf8')]));
          }
          optReply(socket, opt, C.REP_ACK);
          break;
        }
        case C.OPT_STRUCTURED_REPLY:
          if (len !== 0) throw new StoreError('INVALID_ARGUMENT', 'NBD_OPT_STRUCTURED_REPLY takes no data');
          structured = true;
          optReply(socket, opt, C.REP_ACK);
          break;
        case C.OPT_STARTTLS: {
          if (!opts.tls) {
            errReply(socket, opt, C.REP_ERR_POLICY, 'TLS is not configured on this gateway');
            break;
          }
          if (tlsActive || len !== 0) throw new StoreError('INVALID_ARGUMENT', 'NBD_OPT_STARTTLS: already secure or bad data');
          optReply(socket, opt, C.REP_ACK);
          reader.detach();
          const secure = new TLSSocket(raw, { ...opts.tls.socketOptions, isServer: true });
          await new Promise<void>((resolve, reject) => {
            secure.once('secure', resolve);
            secure.once('error', reject);
          });
          socket = secure;
          reader = new SocketReader(secure);
          tlsActive = true;
          structured = false;
          allocationContext = false;
          break;
        }
        case C.OPT_LIST_META_CONTEXT:
        case C.OPT_SET_META_CONTEXT: {
          const set = opt === C.OPT_SET_META_CONTEXT;
          if (set && !structured) throw new StoreError('INVALID_ARGUMENT', 'NBD_OPT_SET_META_CONTEXT needs structured replies');
          const { value: name, next } = readString(data, 0);
          if (next + 4 > data.length) throw new StoreError('INVALID_ARGUMENT', 'Option data too short');
          const n = data.readUInt32BE(next);
          let pos = next + 4;
          const queries: string[] = [];
          for (let i = 0; i < n; i++) {
            const q = readString(data, pos);
            queries.push(q.value);
            pos = q.next;
          }
          if (pos !== data.length) throw new StoreError('INVALID_ARGUMENT', 'Trailing option data');
          const exp = await opts.provider.open(name, true);
          await exp.release();
          const matches = queries.length === 0 ? !set : queries.some((q) => q === C.BASE_ALLOCATION || (!set && q === 'base:'));
          if (set) allocationContext = matches;
          if (matches) {
            const id = Buffer.alloc(4);
            id.writeUInt32BE(C.BASE_ALLOCATION_ID, 0);
            optReply(socket, opt, C.REP_META_CONTEXT, Buffer.concat([id, Buffer.from(C.BASE_ALLOCATION)]));
          }
          optReply(socket, opt, C.REP_ACK);
          break;
        }
        case C.OPT_INFO:
        case C.OPT_GO: {
          const { value: name, next } = readString(data, 0);
          if (next + 2 > data.length) throw new StoreError('INVALID_ARGUMENT', 'Option data too short');
          const n = data.readUInt16BE(next);
          if (next + 2 + 2 * n !== data.length) throw new StoreError('INVALID_ARGUMENT', 'Info request list does not match its count');
          const wanted = new Set<number>();
          for (let i = 0; i < n; i++) wanted.add(data.readUInt16BE(next + 2 + 2 * i));
          const exp = await opts.provider.open(name, opt === C.OPT_INFO);
          sendInfo(socket, opt, exp, wanted);
          optReply(socket, opt, C.REP_ACK);
          if (opt === C.OPT_INFO) {
            await exp.release();
            break;
          }
          return { socket, reader, export: exp, structured, allocationContext };
        }
        case C.OPT_EXPORT_NAME: {
          let exp: NbdExport;
          try {
            exp = await opts.provider.open(data.toString('utf8'), false);
          } catch (err) {
            opts.log.info({ export: data.toString('utf8'), err: (err as Error).message }, 'export refused');
            return undefined;
          }
          const r = Buffer.alloc(noZeroes ? 10 : 134);
          r.writeBigUInt64BE(BigInt(exp.size()), 0);
          r.writeUInt16BE(transmissionFlags(exp), 8);
          socket.write(r);
          return { socket, reader, export: exp, structured, allocationContext };
        }
        default:
          errReply(socket, opt, C.REP_ERR_UNSUP, `Option ${opt} is not supported`);
      }
    } catch (err) {
      const code = err instanceof StoreError ? err.code : 'INTERNAL';
      const type = code === 'NOT_FOUND' ? C.REP_ERR_UNKNOWN
        : code === 'IN_USE' || code === 'PERMISSION_DENIED' ? C.REP_ERR_POLICY
          : code === 'INVALID_ARGUMENT' ? C.REP_ERR_INVALID
            : C.REP_ERR_SHUTDOWN;
      if (code === 'INTERNAL') opts.log.error({ err }, 'option failed');
      errReply(socket, opt, type, err instanceof StoreError ? err.message : 'Internal error');
      if (opt === C.OPT_STARTTLS) return undefined;
    }
  }
  return undefined;
}

function sendInfo(socket: Duplex, opt: number, exp: NbdExport, wanted: Set<number>): void {
  const e = Buffer.alloc(12);
  e.writeUInt16BE(C.INFO_EXPORT, 0);
  e.writeBigUInt64BE(BigInt(exp.size()), 2);
  e.writeUInt16BE(transmissionFlags(exp), 10);
  optReply(socket, opt, C.REP_INFO, e);
  if (wanted.has(C.INFO_NAME)) {
    const t = Buffer.alloc(2);
    t.writeUInt16BE(C.INFO_NAME, 0);
    optReply(socket, opt, C.REP_INFO, Buffer.concat([t, Buffer.from(exp.name, 'utf8')]));
  }
  if (wanted.has(C.INFO_DESCRIPTION)) {
    const t = Buffer.alloc(2);
    t.writeUInt16BE(C.INFO_DESCRIPTION, 0);
    optReply(socket, opt, C.REP_INFO, Buffer.concat([t, Buffer.from(exp.description, 'utf8')]));
  }
  const b = Buffer.alloc(14);
  b.writeUInt16BE(C.INFO_BLOCK_SIZE, 0);
  b.writeUInt32BE(C.MIN_BLOCK, 2);
  b.writeUInt32BE(C.PREFERRED_BLOCK, 6);
  b.writeUInt32BE(C.MAX_PAYLOAD, 10);
  optReply(socket, opt, C.REP_INFO, b);
}
