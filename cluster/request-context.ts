/**
 * The request id of the client request being served, carried through async calls so that every
 * gRPC call it causes sends it as "x-request-id" without threading it through the ObjectCluster
 * interface. The proxy enters it once per request (e.g. in a fastify onRequest hook:
 * `enterRequestId(request.id)`); node logs then join the proxy's.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const storage = new AsyncLocalStorage<string>();

/** Runs `fn` (and everything it awaits) with `requestId` as the current request id. */
export function withRequestId<T>(requestId: string, fn: () => T): T {
  return storage.run(requestId, fn);
}

/** Makes `requestId` current for the rest of the current async execution (hooks, handlers). */
export function enterRequestId(requestId: string): void {
  storage.enterWith(requestId);
}

/** The current request id, if any. */
export function currentRequestId(): string | undefined {
  return storage.getStore();
}
