/**
 * How CLI commands find the cluster they act on: `--cluster FILE` (a cluster file), else
 * $STRATA_CLUSTER, else the all-in-one running on this machine (its data folder is recorded in
 * ~/.strata/all-in-one.json by `strata start`, whatever its --data-dir).
 */
import { readFile, mkdir } from 'node:fs/promises';
import { readClusterFile, type ClusterConfig } from '../cluster/index.js';
import { homedir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { StoreError, writeFileAtomic } from '../common/index.js';

export type { ClusterConfig };

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
  return readClusterFile(file);
}
