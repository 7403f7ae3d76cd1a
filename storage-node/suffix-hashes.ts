/**
 * What the replicator compares between replicas of a partition: one hash per suffix folder,
 * the MD5 of the sorted "<hash>/<file name>" entries under it. File names are timestamps plus
 * kind (.data, .ts, .meta), so two replicas with equal suffix hashes hold the same versions of
 * every object in that suffix; content integrity is the auditor's job (xxhash64 in each file).
 * A pass over an unchanged partition costs one readdir per folder; FsObjectStore's onChange
 * hook tells a cache which suffixes to recompute.
 */
import { readdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

const SUFFIX_RE = /^[0-9a-f]{3}$/;
const HASH_RE = /^[0-9a-f]{16}$/;
const FILE_RE = /^\d{10}\.\d{5}\.(data|ts|meta)$/;

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Partitions present on a device (numbers found under `<root>/objects`). */
export async function listPartitions(root: string): Promise<number[]> {
  return (await list(join(root, 'objects'))).filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
}

/** The hash of one suffix folder; undefined when it holds no object file. */
export async function hashSuffix(suffixDir: string): Promise<string | undefined> {
  const entries: string[] = [];
  for (const hash of await list(suffixDir)) {
    if (!HASH_RE.test(hash)) continue;
    for (const file of await list(join(suffixDir, hash))) if (FILE_RE.test(file)) entries.push(`${hash}/${file}`);
  }
  if (entries.length === 0) return undefined;
  entries.sort();
  return createHash('md5').update(entries.join('\n')).digest('hex');
}

/**
 * Suffix → hash for a partition on a device root (only suffixes that hold files), optionally
 * limited to `only` suffixes.
 */
export async function suffixHashes(root: string, partition: number, only?: readonly string[]): Promise<Map<string, string>> {
  const partDir = join(root, 'objects', String(partition));
  const suffixes = only ?? (await list(partDir)).filter((s) => SUFFIX_RE.test(s));
  const out = new Map<string, string>();
  for (const suffix of [...suffixes].sort()) {
    const h = await hashSuffix(join(partDir, suffix));
    if (h) out.set(suffix, h);
  }
  return out;
}
