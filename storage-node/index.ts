/**
 * storage-node/: the storage-node process: objects on disk (FsObjectStore), container and
 * account listings in per-device LevelDB, listing updates and their journal, background workers
 * and the gRPC server. May import common/, ring/ and cluster/ only; nothing imports it but tools/
 * and tests.
 */
export { runStorageNode } from './main.js';
export { startStorageNode, type RunningStorageNode } from './storage-node.js';
export { loadStorageNodeConfig, parseStorageNodeConfig, type StorageNodeConfig } from './config.js';
export type { ObjectStore, ObjectKey, ObjectRecord } from './object-store.js';
