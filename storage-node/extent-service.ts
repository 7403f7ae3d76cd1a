/**
 * The block-extent gRPC service of a storage node (cluster/proto/block.proto): extent I/O through
 * ExtentStore and metadata registers through RegisterAcceptor. Every call must carry the peer
 * secret; errors leave as gRPC status plus a Strata code (cluster/grpc-status.ts).
 */
import type { Server, ServerUnaryCall, sendUnaryData, UntypedServiceImplementation } from '@grpc/grpc-js';
import { StoreError, type Logger } from '../common/index.js';
import { extentServiceDefinition, PEER_METADATA_KEY, toServiceError } from '../cluster/index.js';
import { ExtentStore } from './extent-store.js';
import { RegisterAcceptor } from './extent-register.js';

export interface ExtentServiceContext {
  /** Devices of this node: name and root folder. */
  devices: ReadonlyArray<{ name: string; path: string }>;
  /** The shared peer credential every call must carry. */
  peerSecret: string;
  log: Logger;
}

type Handler<Req, Res> = (req: Req) => Promise<Res>;

/**
 * Adds the extent service to a storage node's gRPC server. Returns a close function that syncs
 * and closes open extent files.
 */
export function addExtentService(server: Server, ctx: ExtentServiceContext): () => Promise<void> {
  const store = new ExtentStore({ devices: ctx.devices });
  const registers = new RegisterAcceptor(ctx.devices);
  const log = ctx.log.child({ component: 'extent-service' });

  function unary<Req, Res>(name: string, fn: Handler<Req, Res>) {
    return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
      const peer = call.metadata.get(PEER_METADATA_KEY)[0];
      if (peer !== ctx.peerSecret) {
        callback(toServiceError(new StoreError('UNAUTHENTICATED', 'Cannot serve extent call: bad or missing peer credential')));
        return;
      }
      fn(call.request).then(
        (res) => callback(null, res),
        (err: unknown) => {
          if (!(err instanceof StoreError) || err.code === 'INTERNAL') log.error({ err, call: name }, 'extent call failed');
          else log.debug({ code: err.code, call: name, msg: err.message }, 'extent call refused');
          callback(toServiceError(err));
        },
      );
    };
  }

  const impl: UntypedServiceImplementation = {
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
    prepare: unary('Prepare', (r: Parameters<RegisterAcceptor['prepare']>[0]) => registers.prepare(r)),
    accept: unary('Accept', (r: Parameters<RegisterAcceptor['accept']>[0]) => registers.accept(r)),
  };
  server.addService(extentServiceDefinition, impl);
  return () => store.close();
}
