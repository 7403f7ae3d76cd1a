/**
 * Where the proxy gets its ObjectCluster: the replicated cluster over the rings named by the
 * cluster file (each ring reloaded when it changes, newer rings fetched from the storage nodes),
 * or, for tests and demos, the in-memory one.
 */
import type { Logger } from '../common/index.js';
import { DEFAULT_RING_SYNC_INTERVAL_MS, openReplicatedCluster, readClusterFile, type ObjectCluster } from '../cluster/index.js';
import type { ProxyConfig } from './config.js';
import { MemoryObjectCluster } from './testing/memory-cluster.js';

export interface ClusterHandle {
  cluster: ObjectCluster;
  /** Version of each ring in use (empty for the in-memory cluster). */
  ringVersions(): Record<string, number>;
  /** Stops ring watchers and closes node connections. */
  close(): Promise<void>;
}

/**
 * Creates the cluster client the config asks for. `open` is the replicated cluster's opener
 * (tests pass a fake to see what it is given).
 * @throws NOT_FOUND, INVALID_ARGUMENT (cluster file, or tuning out of bounds), CORRUPT (ring file)
 */
export async function createCluster(
  config: Readonly<ProxyConfig>, log: Logger, open: typeof openReplicatedCluster = openReplicatedCluster,
): Promise<ClusterHandle> {
  if (config.backend === 'memory') {
    log.warn('using the in-memory object cluster: data is lost when the proxy stops');
    return { cluster: new MemoryObjectCluster(), ringVersions: () => ({}), close: async () => {} };
  }
  const clusterFile = await readClusterFile(config.clusterFile ?? '');
  const opened = await open({
    ringDir: clusterFile.ringDir,
    // Operator tuning from the proxy config; the shared secret always from the cluster file.
    config: { ...config.cluster, peerSecret: clusterFile.peerSecret },
    log,
    // A proxy runs for months: it follows ring changes pushed to the storage nodes by itself.
    ringSyncMs: clusterFile.ringSyncMs ?? DEFAULT_RING_SYNC_INTERVAL_MS,
  });
  return { cluster: opened.cluster, ringVersions: () => opened.ringVersions(), close: async () => opened.close() };
}
