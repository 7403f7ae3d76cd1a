/**
 * Block-extent service hook: the block area replaces this with the real extent service
 * (block.proto) and the storage node registers whatever this returns.
 */
import type { Server } from '@grpc/grpc-js';
import type { Logger } from '../common/index.js';

export interface ExtentServiceContext {
  /** Devices of this node: name and root folder. */
  devices: ReadonlyArray<{ name: string; path: string }>;
  /** The shared peer credential every call must carry. */
  peerSecret: string;
  log: Logger;
}

/** Adds the extent service to a storage node's gRPC server. Returns a close function. */
export function addExtentService(_server: Server, _ctx: ExtentServiceContext): () => Promise<void> {
  return async () => undefined;
}
