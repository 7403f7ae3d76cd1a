/**
 * Quarantine: a corrupt object file is moved out of its folder to
 * `<dev>/quarantined/objects/<hash>/<file>` so it is never served or replicated again, yet kept
 * for the operator to inspect. Its folder then looks older or empty to the replicator, which
 * restores a good copy from another replica.
 */
import { mkdir, rename, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from '../common/index.js';
import { hashDirOf } from './replica-files.js';

/** Where quarantined files of a device go. */
export function quarantineDir(root: string): string {
  return join(root, 'quarantined', 'objects');
}

/**
 * Moves one object file into quarantine. Returns false when the file was gone already (replaced
 * by a newer write, or quarantined by a concurrent reader).
 */
export async function quarantineFile(root: string, partition: number, hash: string, fileName: string): Promise<boolean> {
  const dest = join(quarantineDir(root), hash);
  await mkdir(dest, { recursive: true });
  const src = hashDirOf(root, partition, hash);
  try {
    // A second corrupt copy of the same name keeps the first: add the time to the name.
    await rename(join(src, fileName), join(dest, `${fileName}.${Date.now()}`));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  await fsyncDir(src).catch(() => undefined);
  return true;
}

/** Number of quarantined files on a device (0 when none or unreadable). */
export async function countQuarantined(root: string): Promise<number> {
  let n = 0;
  let hashes: string[];
  try {
    hashes = await readdir(quarantineDir(root));
  } catch {
    return 0;
  }
  for (const h of hashes) n += (await readdir(join(quarantineDir(root), h)).catch(() => [])).length;
  return n;
}
