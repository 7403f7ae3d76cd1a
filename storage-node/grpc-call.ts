/**
 * The edge between grpc-js and the node's handlers: peer authentication, request ids, error
 * mapping (cluster/grpc-status.ts) and logging, once for every method. Handlers are plain async
 * functions that return a response or throw StoreError.
 */
import { timingSafeEqual } from 'node:crypto';
import type {
  Metadata, ServerUnaryCall, ServerWritableStream, ServerReadableStream, sendUnaryData,
  handleUnaryCall, handleServerStreamingCall, handleClientStreamingCall,
} from '@grpc/grpc-js';
import { StoreError, type Logger } from '../common/index.js';
import { toServiceError, PEER_METADATA_KEY, REQUEST_ID_METADATA_KEY } from '../cluster/index.js';
import type { ClientActivity } from './client-activity.js';

export interface CallContext {
  requestId: string;
  log: Logger;
}

/** Observes each finished call (metrics). */
export type CallObserver = (method: string, code: string, seconds: number) => void;

export interface EdgeOptions {
  peerSecret: string;
  log: Logger;
  observe?: CallObserver;
  /** Counts this edge's calls as client requests (data movement yields to them). */
  activity?: ClientActivity;
}

function checkPeer(metadata: Metadata, secret: Buffer): void {
  const sent = metadata.get(PEER_METADATA_KEY)[0];
  const given = Buffer.from(typeof sent === 'string' ? sent : sent ?? '');
  if (given.length !== secret.length || !timingSafeEqual(given, secret)) {
    throw new StoreError('UNAUTHENTICATED', 'Cannot accept call: missing or wrong peer credential');
  }
}

/** Builds grpc-js handlers for one server; all share the auth and error policy. */
export class GrpcEdge {
  private readonly secret: Buffer;

  constructor(private readonly opts: EdgeOptions) {
    this.secret = Buffer.from(opts.peerSecret);
  }

  private context(method: string, metadata: Metadata): CallContext {
    const rid = metadata.get(REQUEST_ID_METADATA_KEY)[0];
    const requestId = typeof rid === 'string' ? rid : '';
    return { requestId, log: this.opts.log.child({ method, requestId }) };
  }

  private fail(method: string, ctx: CallContext, err: unknown, started: number): ReturnType<typeof toServiceError> {
    const out = toServiceError(err);
    const code = err instanceof StoreError ? err.code : 'INTERNAL';
    if (code === 'INTERNAL') ctx.log.error({ err }, 'internal error');
    else ctx.log.debug({ code, msg: (err as Error).message }, 'call failed');
    this.opts.observe?.(method, code, (performance.now() - started) / 1000);
    return out;
  }

  unary<Req, Res>(method: string, fn: (req: Req, ctx: CallContext) => Promise<Res>): handleUnaryCall<Req, Res> {
    return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
      const started = performance.now();
      const ctx = this.context(method, call.metadata);
      const end = this.opts.activity?.begin();
      Promise.resolve()
        .then(() => { checkPeer(call.metadata, this.secret); return fn(call.request, ctx); })
        .then((res) => { this.opts.observe?.(method, 'OK', (performance.now() - started) / 1000); callback(null, res); })
        .catch((err: unknown) => callback(this.fail(method, ctx, err, started)))
        .finally(end);
    };
  }

  serverStream<Req, Res>(method: string, fn: (call: ServerWritableStream<Req, Res>, ctx: CallContext) => Promise<void>): handleServerStreamingCall<Req, Res> {
    return (call: ServerWritableStream<Req, Res>) => {
      const started = performance.now();
      const ctx = this.context(method, call.metadata);
      const end = this.opts.activity?.begin();
      Promise.resolve()
        .then(() => { checkPeer(call.metadata, this.secret); return fn(call, ctx); })
        .then(() => { this.opts.observe?.(method, 'OK', (performance.now() - started) / 1000); call.end(); })
        .catch((err: unknown) => {
          const e = this.fail(method, ctx, err, started);
          if (!call.cancelled) call.emit('error', e);
        })
        .finally(end);
    };
  }

  clientStream<Req, Res>(method: string, fn: (call: ServerReadableStream<Req, Res>, ctx: CallContext) => Promise<Res>): handleClientStreamingCall<Req, Res> {
    return (call: ServerReadableStream<Req, Res>, callback: sendUnaryData<Res>) => {
      const started = performance.now();
      const ctx = this.context(method, call.metadata);
      const end = this.opts.activity?.begin();
      Promise.resolve()
        .then(() => { checkPeer(call.metadata, this.secret); return fn(call, ctx); })
        .then((res) => { this.opts.observe?.(method, 'OK', (performance.now() - started) / 1000); callback(null, res); })
        .catch((err: unknown) => callback(this.fail(method, ctx, err, started)))
        .finally(end);
    };
  }
}

/**
 * Writes one message honouring backpressure: when grpc-js buffers too much, waits for 'drain'.
 * @throws UNAVAILABLE when the peer cancelled the call meanwhile
 */
export async function writeMessage<Res>(call: ServerWritableStream<unknown, Res>, msg: Res): Promise<void> {
  if (call.cancelled) throw new StoreError('UNAVAILABLE', 'Cannot send: the call was cancelled');
  if (call.write(msg)) return;
  await new Promise<void>((resolve) => {
    const done = () => { call.off('drain', done); call.off('cancelled', done); call.off('close', done); resolve(); };
    call.on('drain', done);
    call.on('cancelled', done);
    call.on('close', done);
  });
  if (call.cancelled) throw new StoreError('UNAVAILABLE', 'Cannot send: the call was cancelled');
}
