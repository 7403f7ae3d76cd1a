/**
 * How CLI commands find the cluster they act on: `--cluster FILE` (a cluster file), else
 * $STRATA_CLUSTER, else the all-in-one running on this machine (its data folder is recorded in
 * ~/.strata/all-in-one.json by `strata start`, whatever its --data-dir).
 */
import { readFile, mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { StoreError, writeFileAtomic } from '../common/index.js';

/** The cluster file: what a client of the cluster needs to reach it. */
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
}

export function allInOnePointerPath(): string {
  return join(process.env.STRATA_HOME ?? join(homedir(), '.strata'), 'all-in-one.json');
}

/** Records where the running all-in-one keeps its cluster file. */
export async function recordAllInOne(clusterFile: string): Promise<void> {
  const pointer = allInOnePointerPath();
  await mkdir(dirname(pointer), { recursive: true });
  await writeFileAtomic(pointer, JSON.stringify({ clusterFile: resolve(clusterFile) }, null, 2));
}

/**
 * Reads the cluster file chosen by the rules above.
 * @throws NOT_FOUND when no cluster is configured or running; INVALID_ARGUMENT when malformed
 */
export async function resolveClusterConfig(explicitFile?: string): Promise<ClusterConfig> {
  let file = explicitFile ?? process.env.STRATA_CLUSTER;
  if (!file) {
    try {
      const pointer = JSON.parse(await readFile(allInOnePointerPath(), 'utf8')) as { clusterFile?: string };
      file = pointer.clusterFile;
    } catch {
      file = undefined;
    }
  }
  if (!file) {
    throw new StoreError('NOT_FOUND', 'Cannot find a cluster: start one with "strata start" or pass --cluster FILE');
  }
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
  const base = dirname(resolve(file));
  return { ...(parsed as ClusterConfig), ringDir: resolve(base, parsed.ringDir as string) };
}
