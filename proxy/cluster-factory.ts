/**
 * Where the proxy gets its ObjectCluster: the replicated cluster over the rings named by the
 * cluster file (each ring reloaded when it changes), or, for tests and demos, the in-memory one.
 */
import type { Logger } from '../common/index.js';
import { openReplicatedCluster, readClusterFile, type ObjectCluster } from '../cluster/index.js';
import type { ProxyConfig } from './config.js';
import { MemoryObjectCluster } from './testing/memory-cluster.js';

export interface ClusterHandle {
  cluster: ObjectCluster;
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
    return { cluster: new MemoryObjectCluster(), close: async () => {} };
  }
  const clusterFile = await readClusterFile(config.clusterFile ?? '');
  const opened = await open({
    ringDir: clusterFile.ringDir,
    // Operator tuning from the proxy config; the shared secret always from the cluster file.
    config: { ...config.cluster, peerSecret: clusterFile.peerSecret },
    log,
  });
  return { cluster: opened.cluster, close: async () => opened.close() };
}
