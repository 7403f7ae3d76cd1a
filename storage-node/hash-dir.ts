/**
 * One object's folder, `<dev>/objects/<part>/<suffix>/<hash>/`, holding at most a few files
 * named by timestamp: `<ts>.data` (body + metadata), `<ts>.ts` (tombstone), `<ts>.meta` (the
 * newest POST). The newest .data or .ts decides whether the object exists; a .meta counts only
 * when newer than that .data. Anything else in the folder (temporary files) is ignored.
 */
import { readdir, unlink, mkdir, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fsyncDir } from '../common/index.js';

const FILE_RE = /^(\d{10}\.\d{5})\.(data|ts|meta)$/;

export interface HashDirState {
  /** Newest .data or .ts. */
  newest?: { timestamp: string; kind: 'data' | 'ts' };
  /** Newest .meta newer than a newest .data. */
  meta?: string;
  /** Every timestamped file, for cleanup. */
  files: Array<{ name: string; timestamp: string; kind: 'data' | 'ts' | 'meta' }>;
  /** True when the folder did not exist (a writer must create it). */
  missing?: boolean;
}

/** Reads a hash folder; a missing folder is an empty state. */
export async function readHashDir(dir: string): Promise<HashDirState> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { files: [], missing: true };
    throw err;
  }
  const state: HashDirState = { files: [] };
  let metaTs: string | undefined;
  for (const name of names) {
    const m = FILE_RE.exec(name);
    if (!m) continue;
    const timestamp = m[1] as string;
    const kind = m[2] as 'data' | 'ts' | 'meta';
    state.files.push({ name, timestamp, kind });
    if (kind === 'meta') {
      if (!metaTs || timestamp > metaTs) metaTs = timestamp;
    } else if (!state.newest || timestamp > state.newest.timestamp) {
      state.newest = { timestamp, kind };
    }
  }
  if (metaTs && state.newest?.kind === 'data' && metaTs > state.newest.timestamp) state.meta = metaTs;
  return state;
}

/** Newest timestamp of any kind (what a new write must beat). */
export function newestTimestamp(state: HashDirState): string | undefined {
  return state.meta && state.newest && state.meta > state.newest.timestamp ? state.meta : state.newest?.timestamp;
}

/**
 * Removes files made obsolete by the file just written at `timestamp` of `kind`: older .data
 * and .ts always, .meta files not newer than the current data. Failures are ignored: a leftover
 * file is harmless and the next write retries.
 */
export async function removeObsolete(dir: string, state: HashDirState, timestamp: string, kind: 'data' | 'ts' | 'meta'): Promise<void> {
  const victims = state.files.filter((f) => {
    if (f.timestamp === timestamp && f.kind === kind) return false;
    if (kind === 'meta') return f.kind === 'meta' && f.timestamp < timestamp;
    return f.timestamp <= timestamp;
  });
  await Promise.all(victims.map((f) => unlink(join(dir, f.name)).catch(() => undefined)));
}

/**
 * Creates `dir` and its missing parents. Returns the folders whose entries changed (the parent
 * of every folder created): the caller fsyncs them, together with `dir` after its rename, before
 * acknowledging, so that the new folders survive a crash with the file. Fsyncing them at the
 * same time lets the file system commit them in one journal transaction.
 */
export async function mkdirParents(dir: string): Promise<string[]> {
  const first = await mkdir(dir, { recursive: true });
  if (first === undefined) return [];
  const parents: string[] = [];
  for (let p = dir; ; p = dirname(p)) {
    parents.push(dirname(p));
    if (p === first || dirname(p) === p) break;
  }
  return parents;
}

/**
 * Renames a finished file into its object folder, making the folder (and missing parents) first
 * when `state` (read just before) found it missing, or when it vanished since (a replicator
 * removing an emptied handoff folder): an overwrite then costs no mkdir. Returns the folders
 * created, to fsync with `dir`.
 */
export async function renameIntoHashDir(tmpPath: string, dir: string, fileName: string, state: HashDirState): Promise<string[]> {
  const created = state.missing ? await mkdirParents(dir) : [];
  try {
    await rename(tmpPath, join(dir, fileName));
    return created;
  } catch (err) {
    if (state.missing || (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const made = await mkdirParents(dir);
    await rename(tmpPath, join(dir, fileName));
    return made;
  }
}

/** Fsyncs folders in parallel. */
export async function fsyncDirs(dirs: readonly string[]): Promise<void> {
  await Promise.all(dirs.map((d) => fsyncDir(d)));
}
