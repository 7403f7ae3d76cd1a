/**
 * One unary call to a storage node with the contract's habits: the peer credential and request
 * id in metadata, a deadline, cancellation by AbortSignal, and errors mapped back to StoreError
 * by code. Shared by every typed client of the node's services.
 */
import type { Client, ClientUnaryCall, MethodDefinition } from '@grpc/grpc-js';
import { StoreError } from '../common/index.js';
import { fromServiceError } from './grpc-status.js';
import { callMetadata, type NodeCallOptions, type NodeClientConfig } from './node-client-config.js';

export type AnyMethod = MethodDefinition<unknown, unknown>;

/**
 * Calls `def` on `client`; `context` (e.g. `Cannot get ring "object" on storage node 1.2.3.4:6201`)
 * starts every error message.
 * @throws StoreError with the node's code; UNAVAILABLE when aborted or unreachable; TIMEOUT
 */
export function unaryCall<Res>(client: Client, config: NodeClientConfig, def: AnyMethod, req: unknown, context: string, opts?: NodeCallOptions): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    if (opts?.signal?.aborted) {
      reject(new StoreError('UNAVAILABLE', `${context}: aborted`));
      return;
    }
    const deadline = Date.now() + (opts?.timeoutMs ?? config.nodeTimeoutMs);
    const call: ClientUnaryCall = client.makeUnaryRequest(
      def.path, def.requestSerialize, def.responseDeserialize, req, callMetadata(config, opts), { deadline },
      (err, res) => {
        opts?.signal?.removeEventListener('abort', onAbort);
        if (err) reject(fromServiceError(err, context));
        else resolve(res as Res);
      },
    );
    const onAbort = (): void => call.cancel();
    opts?.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
