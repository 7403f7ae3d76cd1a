/**
 * Composition helper: a ReplicatedObjectCluster over the account, container and object ring
 * files of a folder, each kept current by a RingWatcher (a rebalanced ring is used without a
 * restart) and, for long-running processes (the proxy), by a RingSync that fetches newer rings
 * from the storage nodes. What the proxy's main.ts and the CLI tools call.
 */
import { silentLogger, type Logger } from '../common/index.js';
import { RingWatcher, ringFilePath } from '../ring/index.js';
import { NodeClientPool } from './node-client-pool.js';
import { ReplicatedObjectCluster } from './replicated-object-cluster.js';
import { resolveReplicatedClusterConfig, type ReplicatedClusterConfig } from './replicated-cluster-config.js';
import { RingSync } from './ring-sync.js';

export interface OpenClusterOptions {
  ringDir: string;
  /** Partial config; defaults fill the rest. peerSecret is required. */
  config: Partial<ReplicatedClusterConfig> & { peerSecret: string };
  log?: Logger;
  /** Ring file poll interval (ms). */
  ringPollMs?: number;
  /**
   * Interval of a RingSync that fetches newer rings from the storage nodes into `ringDir` (ms);
   * absent or 0: none (short-lived tools).
   */
  ringSyncMs?: number;
}

export interface OpenedCluster {
  cluster: ReplicatedObjectCluster;
  rings: { account: RingWatcher; container: RingWatcher; object: RingWatcher };
  pool: NodeClientPool;
  /** Present when `ringSyncMs` was given. */
  ringSync?: RingSync;
  /** Version of each ring in use (what /info reports). */
  ringVersions(): Record<string, number>;
  /** Stops the watchers and the ring sync, closes the channels. */
  close(): void;
}

/**
 * Loads the three rings and builds the cluster.
 * @throws NOT_FOUND, CORRUPT (a ring file), INVALID_ARGUMENT (config)
 */
export async function openReplicatedCluster(opts: OpenClusterOptions): Promise<OpenedCluster> {
  const log = opts.log ?? silentLogger();
  const config = resolveReplicatedClusterConfig(opts.config);
  const watch = (name: 'account' | 'container' | 'object'): RingWatcher =>
    new RingWatcher(ringFilePath(opts.ringDir, name), { intervalMs: opts.ringPollMs, log: log.child({ component: 'ring', ring: name }) });
  const rings = { account: watch('account'), container: watch('container'), object: watch('object') };
  try {
    await Promise.all([rings.account.start(), rings.container.start(), rings.object.start()]);
  } catch (err) {
    for (const w of Object.values(rings)) w.close();
    throw err;
  }
  const pool = new NodeClientPool(config);
  const cluster = new ReplicatedObjectCluster({ rings, config, pool, log: log.child({ component: 'cluster' }) });
  let ringSync: RingSync | undefined;
  if (opts.ringSyncMs !== undefined && opts.ringSyncMs > 0) {
    ringSync = new RingSync({
      ringDir: opts.ringDir, names: ['account', 'container', 'object'], peerSecret: config.peerSecret, log, intervalMs: opts.ringSyncMs,
    });
    ringSync.start();
  }
  return {
    cluster, rings, pool, ringSync,
    ringVersions: () => ({ account: rings.account.ring.version, container: rings.container.ring.version, object: rings.object.ring.version }),
    close() {
      ringSync?.close();
      for (const w of Object.values(rings)) w.close();
      pool.close();
    },
  };
}
