/**
 * The cluster file: what a client of the cluster (proxy, block gateway, CLI) needs to reach it.
 * JSON; relative paths are taken from the file's folder.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { StoreError } from '../common/index.js';

export interface ClusterConfig {
  /** Folder holding account/container/object/block .ring.gz files. */
  ringDir: string;
  /** Shared secret that storage nodes require from peers (gRPC metadata x-strata-peer). */
  peerSecret: string;
  /** Base URL of a proxy, e.g. http://127.0.0.1:8080. */
  proxyUrl: string;
  /** host:port of the block gateway (NBD). */
  blockGateway: string;
  /** Data folder of an all-in-one, when this cluster is one. */
  dataDir?: string;
  /**
   * How often proxies and block gateways ask storage nodes for newer rings (ms); absent: the
   * default (10 s), 0: never (rings then change only when the operator copies the files).
   */
  ringSyncMs?: number;
}

/**
 * Reads and checks a cluster file.
 * @throws NOT_FOUND when unreadable; INVALID_ARGUMENT when malformed
 */
export async function readClusterFile(file: string): Promise<ClusterConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new StoreError('NOT_FOUND', `Cannot read cluster file "${file}"`);
  }
  let parsed: Partial<ClusterConfig>;
  try {
    parsed = JSON.parse(text) as Partial<ClusterConfig>;
  } catch {
    throw new StoreError('INVALID_ARGUMENT', `Cannot parse cluster file "${file}": not JSON`);
  }
  for (const key of ['ringDir', 'peerSecret', 'proxyUrl', 'blockGateway'] as const) {
    if (typeof parsed[key] !== 'string') {
      throw new StoreError('INVALID_ARGUMENT', `Cannot use cluster file "${file}": "${key}" is missing`);
    }
  }
  if (parsed.ringSyncMs !== undefined && (typeof parsed.ringSyncMs !== 'number' || !Number.isSafeInteger(parsed.ringSyncMs) || parsed.ringSyncMs < 0)) {
    throw new StoreError('INVALID_ARGUMENT', `Cannot use cluster file "${file}": "ringSyncMs" must be an integer >= 0`);
  }
  const base = dirname(resolve(file));
  return { ...(parsed as ClusterConfig), ringDir: resolve(base, parsed.ringDir as string) };
}
