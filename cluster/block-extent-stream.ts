/**
 * ExtentIoStream: extent reads, writes, flushes and stats to one storage node, multiplexed on one
 * long-lived bidirectional gRPC stream (ExtentService.Io) instead of one unary call each. A unary
 * call pays for a new HTTP/2 stream, headers and metadata every time (~2.5 ms on a busy host),
 * which dominated 4 KiB I/O; a message on an open stream costs one DATA frame each way.
 *
 * Requests are batched: those sent in one event-loop turn (the NBD requests parsed from one
 * socket read, fanned out to this node) leave as one IoBatch message at the end of the turn, or
 * at once when the batch holds BATCH_BYTES of payload. Per-message cost in grpc-js and HTTP/2 is
 * far above per-byte cost, so this is what lets 32 queued 4 KiB writes cost one message, not 32.
 * Requests carry an id and complete in any order. When the stream breaks, every request still
 * waiting on it fails UNAVAILABLE (its outcome is unknown, exactly like a unary call cut off),
 * and the next request opens a new stream.
 */
import { Metadata, type Client, type ClientDuplexStream } from '@grpc/grpc-js';
import { StoreError, isErrorCode } from '../common/index.js';
import type { IoRequestMessage, IoResponseMessage } from './block-proto.js';
import { fromServiceError } from './grpc-status.js';
import { PEER_METADATA_KEY } from './storage-proto.js';

/** A batch is sent as soon as it carries this much payload (bytes), without waiting for the turn to end. */
const BATCH_BYTES = 512 * 1024;
/** How often deadlines of waiting requests are checked (ms); one timer per stream, not one per request. */
const SWEEP_MS = 100;

/** A request waiting for its response; the error text ("write on host:port/device") is built only on failure. */
interface Pending { resolve(res: IoResponseMessage): void; reject(err: Error): void; deadline: number; op: string; device: string }
interface Conn {
  call: ClientDuplexStream<IoRequestMessage[], IoResponseMessage[]>;
  pending: Map<number, Pending>;
  broken: boolean;
  sweeper: NodeJS.Timeout;
}
type IoMethod = (md: Metadata) => ClientDuplexStream<IoRequestMessage[], IoResponseMessage[]>;

/** The Io stream to one node (`label` names it in errors, e.g. "127.0.0.1:6200"). */
export class ExtentIoStream {
  private conn?: Conn;
  private nextId = 1;
  private batch: IoRequestMessage[] = [];
  private batchBytes = 0;
  private scheduled = false;

  constructor(private readonly client: Client, private readonly peerSecret: string, private readonly label: string) {}

  private open(): Conn {
    const md = new Metadata();
    md.set(PEER_METADATA_KEY, this.peerSecret);
    const io = (this.client as unknown as { io: IoMethod }).io;
    const call = io.call(this.client, md);
    const conn: Conn = { call, pending: new Map(), broken: false, sweeper: setInterval(() => sweep(), SWEEP_MS) };
    conn.sweeper.unref();
    const sweep = (): void => {
      const now = Date.now();
      for (const [id, p] of conn.pending) {
        if (p.deadline > now) continue;
        conn.pending.delete(id);
        p.reject(new StoreError('TIMEOUT', `Cannot ${this.what(p)}: no answer in time`));
      }
    };
    call.on('data', (batch: IoResponseMessage[]) => {
      for (const res of batch) {
        const p = conn.pending.get(res.id);
        if (!p) continue;
        conn.pending.delete(res.id);
        if (res.errorCode) {
          const code = isErrorCode(res.errorCode) ? res.errorCode : 'INTERNAL';
          p.reject(new StoreError(code, `Cannot ${this.what(p)}: ${res.errorMessage}`));
        } else p.resolve(res);
      }
    });
    const fail = (err?: Error): void => {
      if (conn.broken) return;
      conn.broken = true;
      clearInterval(conn.sweeper);
      if (this.conn === conn) this.conn = undefined;
      const cause = err ? fromServiceError(err, `Cannot use extent stream to ${this.label}`) : undefined;
      for (const p of conn.pending.values()) {
        p.reject(cause ?? new StoreError('UNAVAILABLE', `Cannot use extent stream to ${this.label}: it closed`));
      }
      conn.pending.clear();
    };
    call.on('error', fail);
    call.on('end', () => fail());
    call.on('close', () => fail());
    return conn;
  }

  /** Sends the queued batch on the current stream. */
  private readonly sendBatch = (): void => {
    this.scheduled = false;
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    const conn = this.conn;
    if (!conn || conn.broken) {
      // The stream broke between queueing and sending: its requests were already failed.
      return;
    }
    conn.call.write(batch);
  };

  private what(p: Pending): string {
    return `${p.op} on ${this.label}/${p.device}`;
  }

  /**
   * Sends one request and waits for its response. `op` and `device` only name it in errors
   * ("write", "d1"). One promise per request, resolved straight from the response batch: on a
   * 4 KiB write this runs three times, so every extra async layer showed in the gateway's CPU.
   * @throws the node's StoreError code; UNAVAILABLE when the stream breaks; TIMEOUT after timeoutMs
   */
  send(req: Omit<IoRequestMessage, 'id'>, op: string, device: string, timeoutMs: number): Promise<IoResponseMessage> {
    if (!this.conn || this.conn.broken) {
      // Requests queued for a broken stream were failed with it; start a clean batch.
      this.batch = [];
      this.batchBytes = 0;
      this.conn = this.open();
    }
    const conn = this.conn;
    const id = this.nextId++;
    return new Promise<IoResponseMessage>((resolve, reject) => {
      conn.pending.set(id, { resolve, reject, deadline: Date.now() + timeoutMs, op, device });
      this.batch.push({ id, write: req.write, read: req.read, flush: req.flush, stat: req.stat });
      this.batchBytes += req.write?.data.length ?? 0;
      if (this.batchBytes >= BATCH_BYTES) this.sendBatch();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.sendBatch);
      }
    });
  }

  /** Ends the stream; waiting requests fail UNAVAILABLE. */
  close(): void {
    const conn = this.conn;
    this.conn = undefined;
    this.batch = [];
    this.batchBytes = 0;
    if (conn && !conn.broken) conn.call.cancel();
  }
}
