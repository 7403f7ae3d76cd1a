/**
 * The block-extent gRPC service of a storage node (cluster/proto/block.proto): extent I/O through
 * ExtentStore and metadata registers through RegisterAcceptor. Every call must carry the peer
 * secret; errors leave as gRPC status plus a Strata code (cluster/grpc-status.ts).
 */
import type { Server, ServerDuplexStream, ServerUnaryCall, sendUnaryData, UntypedServiceImplementation } from '@grpc/grpc-js';
import { StoreError, type Logger } from '../common/index.js';
import {
  extentServiceDefinition, PEER_METADATA_KEY, toServiceError, type IoRequestMessage, type IoResponseMessage,
} from '../cluster/index.js';
import { ExtentStore } from './extent-store.js';
import { RegisterAcceptor } from './extent-register.js';

export interface ExtentServiceContext {
  /** Devices of this node: name and root folder. */
  devices: ReadonlyArray<{ name: string; path: string }>;
  /** The shared peer credential every call must carry. */
  peerSecret: string;
  log: Logger;
  /** Counts extent calls as client requests (data movement yields to them). */
  activity?: { begin(): () => void };
}

type Handler<Req, Res> = (req: Req) => Promise<Res>;

/** Receive window of a gateway connection: several 1 MiB writes in flight, not 64 KiB at a time. */
const IO_WINDOW_BYTES = 16 * 1024 * 1024;
const widened = new WeakSet<object>();
/** Responses are sent at once when a batch carries this much read data (bytes). */
const RESPONSE_BATCH_BYTES = 512 * 1024;
const EMPTY = Buffer.alloc(0);

interface SessionLike { setLocalWindowSize?(n: number): void; settings?(s: { initialWindowSize: number }): void; destroyed?: boolean }
interface CallLike { stream?: { session?: SessionLike }; nextCall?: CallLike }

/**
 * Widens the HTTP/2 receive window of the connection carrying an Io stream. grpc-js servers have
 * no option for it and the default 64 KiB makes every 1 MiB write wait for ~16 window updates,
 * each a scheduling hop on a busy host. Reaches grpc-js internals defensively: if their shape
 * changes this does nothing, and only speed is lost.
 */
function widenWindow(call: unknown): void {
  try {
    let c = (call as { call?: CallLike }).call;
    for (let i = 0; i < 8 && c && !c.stream && c.nextCall; i++) c = c.nextCall;
    const session = c?.stream?.session;
    if (!session || session.destroyed || widened.has(session)) return;
    widened.add(session);
    session.setLocalWindowSize?.(IO_WINDOW_BYTES);
    session.settings?.({ initialWindowSize: IO_WINDOW_BYTES });
  } catch {
    // Only a speed-up; the stream works with the default window.
  }
}

/**
 * Adds the extent service to a storage node's gRPC server. Returns a close function that syncs
 * and closes open extent files.
 */
export function addExtentService(server: Server, ctx: ExtentServiceContext): () => Promise<void> {
  const store = new ExtentStore({ devices: ctx.devices });
  const registers = new RegisterAcceptor(ctx.devices);
  const log = ctx.log.child({ component: 'extent-service' });
  /** Io operations still running: closing waits for them, so no file is created after close. */
  const running = new Set<Promise<unknown>>();
  let closing = false;

  function unary<Req, Res>(name: string, fn: Handler<Req, Res>) {
    return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
      const peer = call.metadata.get(PEER_METADATA_KEY)[0];
      if (peer !== ctx.peerSecret) {
        callback(toServiceError(new StoreError('UNAUTHENTICATED', 'Cannot serve extent call: bad or missing peer credential')));
        return;
      }
      const end = ctx.activity?.begin();
      fn(call.request).finally(end).then(
        (res) => callback(null, res),
        (err: unknown) => {
          if (!(err instanceof StoreError) || err.code === 'INTERNAL') log.error({ err, call: name }, 'extent call failed');
          else log.debug({ code: err.code, call: name, msg: err.message }, 'extent call refused');
          callback(toServiceError(err));
        },
      );
    };
  }

  function refused(name: string, err: unknown): { errorCode: string; errorMessage: string } {
    if (!(err instanceof StoreError) || err.code === 'INTERNAL') log.error({ err, call: name }, 'extent call failed');
    else log.debug({ code: err.code, call: name, msg: err.message }, 'extent call refused');
    const e = err instanceof StoreError ? err : new StoreError('INTERNAL', 'Internal error in storage node');
    return { errorCode: e.code, errorMessage: e.message };
  }

  /**
   * The multiplexed Io stream: every request runs as soon as it arrives (the store orders
   * operations per extent) and its response goes back with its id when done. Responses that
   * complete in one event-loop turn leave as one IoResponseBatch (see ExtentIoStream).
   */
  function io(call: ServerDuplexStream<IoRequestMessage[], IoResponseMessage[]>): void {
    if (call.metadata.get(PEER_METADATA_KEY)[0] !== ctx.peerSecret) {
      call.emit('error', toServiceError(new StoreError('UNAUTHENTICATED', 'Cannot serve extent stream: bad or missing peer credential')));
      return;
    }
    widenWindow(call);
    let inflight = 0;
    let ended = false;
    let out: IoResponseMessage[] = [];
    let outBytes = 0;
    let scheduled = false;
    const flushOut = (): void => {
      scheduled = false;
      if (out.length === 0) return;
      const batch = out;
      out = [];
      outBytes = 0;
      if (call.cancelled) return;
      try {
        call.write(batch);
      } catch {
        // The client went away; nothing is waiting for these answers.
      }
      if (ended && inflight === 0) call.end();
    };
    const send = (res: IoResponseMessage): void => {
      out.push(res);
      outBytes += res.data.length;
      if (outBytes >= RESPONSE_BATCH_BYTES) flushOut();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flushOut);
      }
    };
    const runOne = (req: IoRequestMessage): void => {
      inflight++;
      const endActivity = ctx.activity?.begin();
      const name = req.write ? 'Write' : req.read ? 'Read' : req.flush ? 'Flush' : 'Stat';
      const work: Promise<{ state: IoResponseMessage['state']; data: Buffer }> = closing
        ? Promise.reject(new StoreError('UNAVAILABLE', 'Cannot serve extent stream request: the node is shutting down'))
        : req.write
        ? store.write(req.write).then((state) => ({ state, data: EMPTY }))
        : req.read
          ? store.read(req.read)
          : req.flush
            ? store.flush(req.flush.refs).then(() => ({ state: null, data: EMPTY }))
            : req.stat
              ? store.stat([req.stat]).then(([state]) => ({ state, data: EMPTY }))
              : Promise.reject(new StoreError('INVALID_ARGUMENT', 'Cannot serve extent stream request: no write, read, flush or stat'));
      const done = work.then(
        (r) => send({ id: req.id, state: r.state, data: r.data, errorCode: '', errorMessage: '' }),
        (err: unknown) => send({ id: req.id, state: null, data: EMPTY, ...refused(name, err) }),
      ).finally(() => {
        endActivity?.();
        running.delete(done);
        inflight--;
        if (ended && inflight === 0 && !scheduled && !call.cancelled) call.end();
      });
      running.add(done);
    };
    call.on('data', (batch: IoRequestMessage[]) => {
      for (const req of batch) runOne(req);
    });
    call.on('end', () => {
      ended = true;
      if (inflight === 0 && !scheduled && !call.cancelled) call.end();
    });
    call.on('error', () => undefined);
  }

  const impl: UntypedServiceImplementation = {
    io,
    write: unary('Write', (r: Parameters<ExtentStore['write']>[0]) => store.write(r)),
    read: unary('Read', (r: Parameters<ExtentStore['read']>[0]) => store.read(r)),
    stat: unary('Stat', async (r: { refs: Parameters<ExtentStore['stat']>[0] }) => ({ states: await store.stat(r.refs) })),
    setGeneration: unary('SetGeneration', (r: Parameters<ExtentStore['setGeneration']>[0]) => store.setGeneration(r)),
    replace: unary('Replace', (r: Parameters<ExtentStore['replace']>[0]) => store.replace(r)),
    flush: unary('Flush', async (r: { refs: Parameters<ExtentStore['flush']>[0] }) => {
      await store.flush(r.refs);
      return {};
    }),
    listLayer: unary('ListLayer', (r: { device: string; layer: string }) => store.listLayer(r.device, r.layer)),
    deleteLayer: unary('DeleteLayer', async (r: { device: string; layer: string }) => {
      await store.deleteLayer(r.device, r.layer);
      return {};
    }),
    deleteExtents: unary('DeleteExtents', async (r: { device: string; layer: string; indexes: number[] }) => ({
      deleted: await store.deleteExtents(r.device, r.layer, r.indexes),
    })),
    prepare: unary('Prepare', (r: Parameters<RegisterAcceptor['prepare']>[0]) => registers.prepare(r)),
    accept: unary('Accept', (r: Parameters<RegisterAcceptor['accept']>[0]) => registers.accept(r)),
  };
  server.addService(extentServiceDefinition, impl);
  return async () => {
    closing = true;
    await Promise.allSettled([...running]);
    await store.close();
  };
}
