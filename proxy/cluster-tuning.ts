/**
 * The proxy config's optional "cluster" object: tuning of the replicated cluster client (node
 * time limits, handoffs, error limiting, chunk size), with ReplicatedClusterConfig's own field
 * names. Fields left out keep cluster/'s defaults. The peer secret is not tuning: it comes from
 * the cluster file, so that every process of a cluster shares one.
 */
import {
  DEFAULT_REPLICATED_CLUSTER_CONFIG, resolveReplicatedClusterConfig, type ReplicatedClusterConfig,
} from '../cluster/index.js';
import { StoreError } from '../common/index.js';

/** Cluster client settings a proxy config may override. */
export type ClusterTuning = Partial<Omit<ReplicatedClusterConfig, 'peerSecret'>>;

/** The names accepted, in the order the errors list them. */
export const CLUSTER_TUNING_KEYS: readonly string[] = Object.freeze(Object.keys(DEFAULT_REPLICATED_CLUSTER_CONFIG).sort());

/**
 * Validates the "cluster" object of a proxy config. Every problem is returned (for the config
 * parser to report with its own); `tuning` is set only when there are none.
 */
export function parseClusterTuning(raw: unknown): { tuning?: Readonly<ClusterTuning>; errors: string[] } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { errors: ['"cluster" must be an object'] };
  const errors: string[] = [];
  const tuning: Record<string, number> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'peerSecret') errors.push('"cluster.peerSecret" is not allowed: the peer secret comes from the cluster file');
    else if (!CLUSTER_TUNING_KEYS.includes(key)) errors.push(`"cluster.${key}" is unknown; known: ${CLUSTER_TUNING_KEYS.join(', ')}`);
    else if (typeof value !== 'number' || !Number.isSafeInteger(value)) errors.push(`"cluster.${key}" must be an integer`);
    else tuning[key] = value;
  }
  if (errors.length > 0) return { errors };
  // Bounds are cluster/'s to define: ask its resolver, with a placeholder secret.
  try {
    resolveReplicatedClusterConfig({ ...tuning, peerSecret: 'placeholder' });
  } catch (err) {
    if (!(err instanceof StoreError)) throw err;
    return { errors: [`"cluster": ${err.message}`] };
  }
  return { tuning: Object.freeze(tuning as ClusterTuning), errors: [] };
}
