/**
 * cluster/: the storage-node wire contract and the client side of it (node client, placement,
 * quorum). May import common/ and ring/ only.
 */
export * from './object-cluster.js';
export * from './storage-proto.js';
export type * from './storage-messages.js';
export * from './grpc-status.js';
export * from './node-client-config.js';
export * from './node-client.js';
export * from './client-pool.js';
export * from './node-client-pool.js';
export * from './replication-client.js';
export * from './movement-client.js';
export * from './ring-sync.js';
export * from './put-object-stream.js';
export * from './placement.js';
export * from './error-limiter.js';
export * from './quorum.js';
export * from './update-targets.js';
export * from './replicated-cluster-config.js';
export * from './replicated-object-cluster.js';
export * from './open-replicated-cluster.js';
export * from './object-locator.js';
export * from './request-context.js';
// Block layer (issue 7): extent contract, extent client, metadata registers.
export * from './block-proto.js';
export * from './block-mutex.js';
export * from './block-placement.js';
export * from './block-extent-client.js';
export * from './block-register.js';
export * from './cluster-file.js';
