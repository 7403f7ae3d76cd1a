/**
 * Where the proxy gets its ObjectCluster. LEAD: wire the real ReplicatedObjectCluster here once
 * cluster/ exports it (RingWatchers over config.clusterFile's ringDir, the peer secret, the
 * logger); until then backend "cluster" fails with NOT_IMPLEMENTED and only "memory" runs.
 */
import { StoreError, type Logger } from '../common/index.js';
import type { ObjectCluster } from '../cluster/index.js';
import type { ProxyConfig } from './config.js';
import { MemoryObjectCluster } from './testing/memory-cluster.js';

export interface ClusterHandle {
  cluster: ObjectCluster;
  /** Stops ring watchers and closes node connections. */
  close(): Promise<void>;
}

/**
 * Creates the cluster client the config asks for.
 * @throws NOT_IMPLEMENTED for backend "cluster" until the replicated cluster is wired in
 */
export async function createCluster(config: Readonly<ProxyConfig>, log: Logger): Promise<ClusterHandle> {
  if (config.backend === 'memory') {
    log.warn('using the in-memory object cluster: data is lost when the proxy stops');
    return { cluster: new MemoryObjectCluster(), close: async () => {} };
  }
  throw new StoreError('NOT_IMPLEMENTED', `Cannot reach cluster "${config.clusterFile ?? ''}": the replicated cluster client is not wired in yet`);
}
