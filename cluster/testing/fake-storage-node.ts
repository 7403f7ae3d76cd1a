/**
 * FakeStorageNode: an in-memory gRPC storage node for unit tests of the cluster client. It speaks
 * the real contract (proto/storage.proto) on 127.0.0.1 but keeps everything in maps, and can be
 * stopped, restarted on the same port, or told to fail every call. Not a reference
 * implementation: only what the cluster client's tests need (no listings beyond the rows it was
 * told about, ranges as start/end only).
 */
import { createHash } from 'node:crypto';
import {
  Server, ServerCredentials, type sendUnaryData, type ServerReadableStream, type ServerUnaryCall, type ServerWritableStream,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { StoreError, type ErrorCode } from '../../common/index.js';
import { toServiceError } from '../grpc-status.js';
import { accountServiceDefinition, containerServiceDefinition, objectServiceDefinition, nodeServiceDefinition } from '../storage-proto.js';
import type * as M from '../storage-messages.js';

type Unary<Req, Res> = (call: ServerUnaryCall<Req, Res>, cb: sendUnaryData<Res>) => void;

export interface StoredObject { meta: M.ObjectMetaMsg; data: Buffer; containerUpdates: M.TargetMsg[] }

export class FakeStorageNode {
  /** `device/account/container/object` → newest version (undefined data: tombstone). */
  readonly objects = new Map<string, StoredObject | { tombstone: string }>();
  readonly containers = new Map<string, M.ContainerInfoMsg>();
  /** When set, every call fails with this code. */
  failWith: ErrorCode | undefined;
  /** When set, GetObject streams fail after about this many body bytes (a node dying mid-GET). */
  breakGetAfterBytes: number | undefined;
  /** While set, PutObject stops reading its stream (a slow disk); flow control pushes back. */
  holdUploads: Promise<void> | undefined;
  /** While set, unary calls wait for it before answering (a hung node). */
  holdUnary: Promise<void> | undefined;
  /** When true, PutSmallObject answers UNIMPLEMENTED, as a node of an older release. */
  withoutSmallPut = false;
  /** When true, PutObject keeps only the byte count, not the data (large-body tests). */
  discardData = false;
  /** Body bytes received by PutObject, over all calls. */
  receivedBytes = 0;
  /** Calls received, by method name. */
  readonly calls = new Map<string, number>();
  port = 0;
  private server: Server | undefined;

  async start(port = 0): Promise<number> {
    const server = new Server();
    server.addService(objectServiceDefinition, this.objectService());
    server.addService(containerServiceDefinition, this.containerService());
    server.addService(accountServiceDefinition, {
      HeadAccount: this.unary<M.AccountRefMsg, M.AccountInfoMsg>('HeadAccount', () => { throw new StoreError('NOT_FOUND', 'no account'); }),
      PostAccount: this.unary('PostAccount', () => ({})),
      ListAccount: this.unary('ListAccount', () => ({ entries: [] })),
    });
    server.addService(nodeServiceDefinition, {});
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    this.server = server;
    return this.port;
  }

  /** Kills the server at once (connections reset), like SIGKILL. */
  stop(): void {
    this.server?.forceShutdown();
    this.server = undefined;
  }

  private count(name: string): void {
    this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
  }

  private unary<Req, Res>(name: string, fn: (req: Req) => Res): Unary<Req, Res> {
    return (call, cb) => {
      this.count(name);
      const answer = (): void => {
        try {
          if (this.failWith) throw new StoreError(this.failWith, `fake node fails with ${this.failWith}`);
          cb(null, fn(call.request));
        } catch (err) {
          cb(toServiceError(err));
        }
      };
      if (this.holdUnary) void this.holdUnary.then(answer);
      else answer();
    };
  }

  private live(key: string): StoredObject | undefined {
    const o = this.objects.get(key);
    return o && 'meta' in o ? o : undefined;
  }

  /** Keeps a received object (both PUT methods), checking its ETag and length like a node. */
  /** @throws CHECKSUM_MISMATCH, INVALID_ARGUMENT (length) */
  private store(header: M.PutObjectHeaderMsg, data: Buffer, size: number, trailer: M.PutObjectTrailerMsg): M.PutObjectResponseMsg {
    const etag = createHash('md5').update(data).digest('hex');
    if (trailer.expectedEtag && trailer.expectedEtag !== etag) throw new StoreError('CHECKSUM_MISMATCH', 'etag differs');
    if (header.contentLength >= 0 && header.contentLength !== size) throw new StoreError('INVALID_ARGUMENT', 'length');
    const ts = trailer.timestamp;
    this.objects.set(key(header.ref), {
      data, containerUpdates: header.containerUpdates,
      meta: { size, etag, checksum: 'c0ffee', contentType: header.contentType, timestamp: ts, metaTimestamp: ts, deleteAtMs: header.deleteAtMs, metadata: header.metadata },
    });
    return { etag, size, checksum: 'c0ffee' };
  }

  private objectService(): UntypedServiceImplementation {
    return {
      PutObject: (call: ServerReadableStream<M.PutObjectRequestMsg, M.PutObjectResponseMsg>, cb: sendUnaryData<M.PutObjectResponseMsg>) => {
        this.count('PutObject');
        let header: M.PutObjectHeaderMsg | undefined;
        const parts: Buffer[] = [];
        let size = 0;
        let done = false;
        const fail = (err: unknown): void => {
          if (!done) cb(toServiceError(err));
          done = true;
        };
        call.on('data', (msg: M.PutObjectRequestMsg) => {
          if (done) return;
          if (this.failWith) return fail(new StoreError(this.failWith, 'fake failure'));
          if (msg.part === 'header') {
            header = msg.header;
            if (this.holdUploads) {
              call.pause();
              void this.holdUploads.then(() => call.resume());
            }
            if (header.ifNoneMatchAny && this.live(key(header.ref))) fail(new StoreError('PRECONDITION_FAILED', 'exists'));
          } else if (msg.part === 'chunk') {
            this.receivedBytes += msg.chunk.length;
            size += msg.chunk.length;
            if (!this.discardData) parts.push(msg.chunk);
          } else if (header) {
            try {
              const res = this.store(header, Buffer.concat(parts), size, msg.trailer);
              done = true;
              cb(null, res);
            } catch (err) {
              fail(err);
            }
          }
        });
        call.on('error', () => { done = true; });
      },
      PutSmallObject: this.unary('PutSmallObject', (req: M.PutSmallObjectRequestMsg): M.PutObjectResponseMsg => {
        if (this.withoutSmallPut) throw new StoreError('NOT_IMPLEMENTED', 'unknown method PutSmallObject');
        if (req.header.ifNoneMatchAny && this.live(key(req.header.ref))) throw new StoreError('PRECONDITION_FAILED', 'exists');
        this.receivedBytes += req.body.length;
        return this.store(req.header, req.body, req.body.length, req.trailer);
      }),
      GetObject: (call: ServerWritableStream<M.GetObjectRequestMsg, M.GetObjectResponseMsg>) => {
        this.count('GetObject');
        const o = this.live(key(call.request.ref));
        if (this.failWith || !o) {
          call.emit('error', toServiceError(new StoreError(this.failWith ?? 'NOT_FOUND', 'not here')));
          return;
        }
        const r = call.request;
        const start = r.ranged ? r.rangeStart : 0;
        const end = r.ranged && r.rangeEnd >= 0 ? Math.min(r.rangeEnd, o.data.length - 1) : o.data.length - 1;
        call.write({ part: 'head', head: { meta: o.meta, ranged: r.ranged, rangeStart: start, rangeEnd: end } });
        for (let off = start; off <= end; off += 1000) {
          if (this.breakGetAfterBytes !== undefined && off - start >= this.breakGetAfterBytes) {
            call.emit('error', toServiceError(new StoreError('UNAVAILABLE', 'fake node died mid-stream')));
            return;
          }
          call.write({ part: 'chunk', chunk: o.data.subarray(off, Math.min(off + 1000, end + 1)) });
        }
        call.end();
      },
      HeadObject: this.unary<M.ObjectRefMsg, M.HeadObjectResponseMsg>('HeadObject', (ref) => {
        const o = this.live(key(ref));
        if (!o) throw new StoreError('NOT_FOUND', 'not here');
        return { meta: o.meta, dataPath: `/fake/${key(ref)}` };
      }),
      DeleteObject: this.unary<M.DeleteObjectRequestMsg, M.DeleteObjectResponseMsg>('DeleteObject', (req) => {
        const existed = this.live(key(req.ref)) !== undefined;
        this.objects.set(key(req.ref), { tombstone: req.timestamp });
        return { existed };
      }),
      PostObject: this.unary<M.PostObjectRequestMsg, object>('PostObject', (req) => {
        const o = this.live(key(req.ref));
        if (!o) throw new StoreError('NOT_FOUND', 'not here');
        o.meta = { ...o.meta, metadata: req.metadata, metaTimestamp: req.timestamp };
        return {};
      }),
    };
  }

  private containerService(): UntypedServiceImplementation {
    const ckey = (r: M.ContainerRefMsg): string => `${r.device}/${r.account}/${r.container}`;
    return {
      PutContainer: this.unary<M.PutContainerRequestMsg, M.PutContainerResponseMsg>('PutContainer', (req) => {
        const created = !this.containers.has(ckey(req.ref));
        this.containers.set(ckey(req.ref), { objectCount: 0, bytesUsed: 0, putTimestamp: req.timestamp, deleteTimestamp: '', metadata: req.metadata });
        return { created };
      }),
      HeadContainer: this.unary<M.ContainerRefMsg, M.ContainerInfoMsg>('HeadContainer', (ref) => {
        const c = this.containers.get(ckey(ref));
        if (!c) throw new StoreError('NOT_FOUND', 'no container');
        return c;
      }),
      PostContainer: this.unary<M.PostContainerRequestMsg, object>('PostContainer', (req) => {
        const c = this.containers.get(ckey(req.ref));
        if (!c) throw new StoreError('NOT_FOUND', 'no container');
        c.metadata = { ...c.metadata, ...req.metadata };
        return {};
      }),
      DeleteContainer: this.unary<M.DeleteContainerRequestMsg, object>('DeleteContainer', (req) => {
        if (!this.containers.delete(ckey(req.ref))) throw new StoreError('NOT_FOUND', 'no container');
        return {};
      }),
      ListContainer: this.unary<M.ListRequestMsg, M.ListContainerResponseMsg>('ListContainer', (req) => {
        if (!this.containers.has(`${req.device}/${req.account}/${req.container}`)) throw new StoreError('NOT_FOUND', 'no container');
        return { entries: [] };
      }),
      UpdateContainer: this.unary('UpdateContainer', () => ({})),
    };
  }
}

function key(r: M.ObjectRefMsg): string {
  return `${r.device}/${r.account}/${r.container}/${r.object}`;
}
