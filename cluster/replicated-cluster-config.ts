/**
 * Settings of ReplicatedObjectCluster (the proxy-side data path), with defaults. The proxy's
 * config file embeds these under its own names and passes them down.
 */
import { StoreError } from '../common/index.js';
import { DEFAULT_NODE_CLIENT_CONFIG, type NodeClientConfig } from './node-client-config.js';
import type { ErrorLimiterConfig } from './error-limiter.js';

export interface ReplicatedClusterConfig extends NodeClientConfig {
  /** Body chunk size sent to storage nodes (bytes); 256 KiB: per-message costs of grpc-js and of the
   * node's file writes dominate with smaller chunks. */
  chunkSize: number;
  /** Most handoffs tried after the primaries, for reads and to replace failed writers. */
  maxHandoffs: number;
  /** Error limiting: failures within `errorLimitWindowMs` that make a device avoided. */
  errorLimitThreshold: number;
  errorLimitWindowMs: number;
  /** How long an error-limited device is avoided (ms). */
  errorSuppressionMs: number;
  /** How long a container's existence is cached for object writes (ms); 0 disables. */
  containerCacheTtlMs: number;
}

export const DEFAULT_REPLICATED_CLUSTER_CONFIG: Omit<ReplicatedClusterConfig, 'peerSecret'> = Object.freeze({
  ...DEFAULT_NODE_CLIENT_CONFIG,
  chunkSize: 256 * 1024,
  maxHandoffs: 3,
  errorLimitThreshold: 3,
  errorLimitWindowMs: 60_000,
  errorSuppressionMs: 60_000,
  containerCacheTtlMs: 3_000,
});

/**
 * Fills defaults and checks bounds; all problems are reported at once.
 * @throws INVALID_ARGUMENT listing every bad field
 */
export function resolveReplicatedClusterConfig(partial: Partial<ReplicatedClusterConfig> & { peerSecret: string }): Readonly<ReplicatedClusterConfig> {
  const config: ReplicatedClusterConfig = { ...DEFAULT_REPLICATED_CLUSTER_CONFIG, ...partial };
  const problems: string[] = [];
  const positive: Array<keyof ReplicatedClusterConfig> = [
    'connectTimeoutMs', 'nodeTimeoutMs', 'chunkTimeoutMs', 'chunkSize', 'errorLimitThreshold', 'errorLimitWindowMs',
  ];
  for (const key of positive) {
    const v = config[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) problems.push(`"${key}" must be a positive number, got "${String(v)}"`);
  }
  for (const key of ['maxHandoffs', 'errorSuppressionMs', 'containerCacheTtlMs', 'keepaliveMs'] as const) {
    const v = config[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) problems.push(`"${key}" must be a number >= 0, got "${String(v)}"`);
  }
  if (config.chunkSize > 4 * 1024 * 1024) problems.push(`"chunkSize" must be at most 4 MiB, got "${config.chunkSize}"`);
  if (typeof config.peerSecret !== 'string' || config.peerSecret.length === 0) problems.push('"peerSecret" must be a non-empty string');
  if (problems.length > 0) throw new StoreError('INVALID_ARGUMENT', `Cannot use cluster client config: ${problems.join('; ')}`);
  return Object.freeze(config);
}

/** The error-limiter part of the config. */
export function errorLimiterConfigOf(c: ReplicatedClusterConfig): ErrorLimiterConfig {
  return { threshold: c.errorLimitThreshold, windowMs: c.errorLimitWindowMs, suppressionMs: c.errorSuppressionMs };
}
