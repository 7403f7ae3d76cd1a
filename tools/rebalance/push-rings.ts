/**
 * `strata cluster push-rings`: sends the ring files as they are in the ring folder to every
 * storage node named by any of them (plus extra addresses), byte for byte, and reports the
 * version each node uses afterwards. For a node that missed a push (it was down, or a ring was
 * copied by hand); nodes also fetch newer rings from their peers on their own (ring sync), this
 * makes it immediate and visible. A node never takes an older ring than the one it uses.
 */
import { access, readFile } from 'node:fs/promises';
import { StoreError } from '../../common/index.js';
import { ringFilePath } from '../../ring/index.js';
import type { ClusterConfig } from '../../cluster/index.js';
import { clusterNodes } from '../cluster-health.js';
import { pushRings, type MovementNodes, type PushResult } from './movement-nodes.js';

const NAMES = ['account', 'container', 'object', 'block'] as const;

export interface PushRingsReport {
  /** Ring name -> version of the file pushed. */
  files: Record<string, number>;
  results: PushResult[];
}

/** Reads every ring file of the folder (missing ones are skipped). */
export async function readAllRingFiles(ringDir: string): Promise<Array<{ name: string; data: Buffer }>> {
  const out: Array<{ name: string; data: Buffer }> = [];
  for (const name of NAMES) {
    const file = ringFilePath(ringDir, name);
    if (await access(file).then(() => true, () => false)) out.push({ name, data: await readFile(file) });
  }
  return out;
}

/**
 * Pushes every ring file to every node. Never throws for a node's failure (see the results).
 * @throws NOT_FOUND when the folder has no ring file, CORRUPT when one cannot be read
 */
export async function pushRingFiles(config: ClusterConfig, nodes: MovementNodes): Promise<PushRingsReport> {
  const { addresses, ringFiles } = await clusterNodes(config);
  const rings = await readAllRingFiles(config.ringDir);
  if (rings.length === 0) throw new StoreError('NOT_FOUND', `Cannot push rings: no ring file in ${config.ringDir}`);
  const targets = addresses.map((a) => ({ ...a, node: `${a.ip}:${a.port}` }));
  return { files: ringFiles, results: await pushRings(nodes, targets, rings) };
}

/** One line per node: the versions it uses, or why the push failed; a node behind is named. */
export function formatPushRings(r: PushRingsReport): string[] {
  const lines = [`Ring files: ${Object.entries(r.files).map(([n, v]) => `${n} ${v}`).join(', ')}`];
  for (const res of r.results) {
    const versions = Object.entries(res.versions).map(([n, v]) => `${n} ${v}${r.files[n] !== undefined && v !== r.files[n] ? ` (file: ${r.files[n]})` : ''}`).join(', ');
    lines.push(`  ${res.address}: ${res.error ? `failed: ${res.error}${versions ? ` (took ${versions})` : ''}` : `uses ${versions}`}`);
  }
  const failed = r.results.filter((x) => x.error).length;
  lines.push(failed ? `${failed} of ${r.results.length} nodes did not take every ring` : `All ${r.results.length} nodes use the ring files`);
  return lines;
}
