/**
 * cluster/: the storage-node wire contract and the client side of it (node client, placement,
 * quorum). May import common/ and ring/ only.
 */
export * from './object-cluster.js';
export * from './storage-proto.js';
export type * from './storage-messages.js';
