/**
 * The file-level view of object replicas the replicator works with: the object folders of a
 * suffix, which of their files matter (the newest .data or .ts, and a newer .meta), receiving a
 * pushed file with its original name (and so its original timestamp), and removing folders.
 * Names are never needed: replicas of a partition share folder names (path hash with the cluster
 * secret), and a pushed .data carries its metadata in its footer.
 */
import { open, readdir, rm, unlink, mkdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { StoreError, fromFsError } from '../common/index.js';
import { readHashDir, removeObsolete, renameIntoHashDir, fsyncDirs } from './hash-dir.js';
import { KeyLock } from './key-lock.js';

/**
 * Received files are installed one at a time per object folder: two peers pushing the same file
 * at once (a handoff and a primary, during a move) would otherwise both find it missing and both
 * report it applied, and the moved-bytes counters would count it twice.
 */
const installs = new KeyLock();

export const HASH_RE = /^[0-9a-f]{16}$/;
export const SUFFIX_RE = /^[0-9a-f]{3}$/;
export const OBJECT_FILE_RE = /^(\d{10}\.\d{5})\.(data|ts|meta)$/;

export type FileKind = 'data' | 'ts' | 'meta';

export interface ParsedFile { name: string; timestamp: string; kind: FileKind }

/** Parses "<ts>.<kind>"; undefined for anything else. */
export function parseFileName(name: string): ParsedFile | undefined {
  const m = OBJECT_FILE_RE.exec(name);
  return m ? { name, timestamp: m[1] as string, kind: m[2] as FileKind } : undefined;
}

/** The state a folder's file names describe: newest .data/.ts, and a .meta newer than a newest .data. */
export interface FilesState { newest?: ParsedFile; meta?: ParsedFile }

export function stateOf(names: readonly string[]): FilesState {
  const out: FilesState = {};
  let meta: ParsedFile | undefined;
  for (const n of names) {
    const f = parseFileName(n);
    if (!f) continue;
    if (f.kind === 'meta') { if (!meta || f.timestamp > meta.timestamp) meta = f; }
    else if (!out.newest || f.timestamp > out.newest.timestamp) out.newest = f;
  }
  if (meta && out.newest?.kind === 'data' && meta.timestamp > out.newest.timestamp) out.meta = meta;
  return out;
}

/** The files of `local` that a replica holding `remote` lacks (both as name lists). */
export function filesToPush(local: readonly string[], remote: readonly string[]): ParsedFile[] {
  const l = stateOf(local);
  const r = stateOf(remote);
  const out: ParsedFile[] = [];
  if (l.newest && (!r.newest || r.newest.timestamp < l.newest.timestamp)) out.push(l.newest);
  const dataTs = l.newest?.kind === 'data' ? l.newest.timestamp : undefined;
  // A .meta is worth sending when the peer ends up with our .data (or already has it) and no newer POST.
  if (l.meta && dataTs) {
    const peerNewest = r.newest && r.newest.timestamp > dataTs ? r.newest.timestamp : dataTs;
    if (peerNewest === dataTs && (!r.meta || r.meta.timestamp < l.meta.timestamp)) out.push(l.meta);
  }
  return out;
}

/** True when a replica holding `remote` has everything `local` holds, or newer. */
export function covers(remote: readonly string[], local: readonly string[]): boolean {
  return filesToPush(local, remote).length === 0;
}

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Object folders of a suffix: hash → timestamped file names (folders without any are left out). */
export async function listSuffix(root: string, partition: number, suffix: string): Promise<Map<string, string[]>> {
  const dir = join(root, 'objects', String(partition), suffix);
  const out = new Map<string, string[]>();
  for (const hash of (await list(dir)).sort()) {
    if (!HASH_RE.test(hash)) continue;
    const files = (await list(join(dir, hash))).filter((n) => OBJECT_FILE_RE.test(n)).sort();
    if (files.length > 0) out.set(hash, files);
  }
  return out;
}

/** An object folder whose newest file is a .data (what the auditor and expirer visit). */
export interface DataFolder {
  suffix: string;
  hash: string;
  dir: string;
  data: ParsedFile;
  /** Newest .meta newer than the .data, if any. */
  meta?: ParsedFile;
}

/** Walks a partition's object folders whose newest file is a .data, suffix by suffix. */
export async function* dataFolders(root: string, partition: number, signal: AbortSignal): AsyncGenerator<DataFolder> {
  const suffixes = (await list(join(root, 'objects', String(partition)))).filter((s) => SUFFIX_RE.test(s));
  for (const suffix of suffixes) {
    for (const [hash, names] of await listSuffix(root, partition, suffix)) {
      if (signal.aborted) return;
      const st = stateOf(names);
      if (st.newest?.kind !== 'data') continue;
      yield { suffix, hash, dir: hashDirOf(root, partition, hash), data: st.newest, ...(st.meta ? { meta: st.meta } : {}) };
    }
  }
}

/** Folder of an object by hash. */
export function hashDirOf(root: string, partition: number, hash: string): string {
  return join(root, 'objects', String(partition), hash.slice(-3), hash);
}

/**
 * Receives a pushed file into the object's folder, unless the folder already holds something
 * as new or newer (then nothing changes). The file is fsynced, renamed in and its folder fsynced
 * before this resolves, as for a client PUT; files it makes obsolete are removed.
 * @throws INVALID_ARGUMENT (bad hash, name, or size), NO_SPACE, NOT_MOUNTED-style fs errors
 */
export async function receiveFile(root: string, partition: number, hash: string, fileName: string, size: number, body: AsyncIterable<Uint8Array>): Promise<boolean> {
  const file = parseFileName(fileName);
  if (!HASH_RE.test(hash) || !file) throw new StoreError('INVALID_ARGUMENT', `Cannot receive "${hash}/${fileName}": bad hash or file name`);
  const dir = hashDirOf(root, partition, hash);
  const tmpDir = join(root, 'tmp');
  await mkdir(tmpDir, { recursive: true });
  const tmp = join(tmpDir, `${hash}.${randomBytes(6).toString('hex')}.push`);
  let fh: FileHandle | undefined;
  try {
    fh = await open(tmp, 'w', 0o644);
    let got = 0;
    for await (const chunk of body) {
      got += chunk.length;
      if (got > size) throw new StoreError('INVALID_ARGUMENT', `Cannot receive "${hash}/${fileName}": more than ${size} bytes`);
      await fh.write(chunk);
    }
    if (got !== size) throw new StoreError('INVALID_ARGUMENT', `Cannot receive "${hash}/${fileName}": got ${got} of ${size} bytes`);
    await fh.datasync();
    await fh.close();
    fh = undefined;
    const applied = await installs.with(dir, async () => {
      const state = await readHashDir(dir);
      const cur = stateOf(state.files.map((f) => f.name));
      const stale = file.kind === 'meta'
        ? cur.newest?.kind !== 'data' || cur.newest.timestamp >= file.timestamp || (cur.meta !== undefined && cur.meta.timestamp >= file.timestamp)
        : cur.newest !== undefined && cur.newest.timestamp >= file.timestamp;
      if (stale) return false;
      const created = await renameIntoHashDir(tmp, dir, fileName, state);
      await fsyncDirs([dir, ...created]);
      await removeObsolete(dir, state, file.timestamp, file.kind);
      return true;
    });
    if (!applied) await unlink(tmp).catch(() => undefined);
    return applied;
  } catch (err) {
    await fh?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw fromFsError(err, `Cannot receive "${hash}/${fileName}"`);
  }
}

/**
 * Removes an object folder if its files are still exactly `expected` (a write that arrived
 * since the check keeps the folder). Returns whether it was removed.
 */
export async function removeHashDirIf(root: string, partition: number, hash: string, expected: readonly string[]): Promise<boolean> {
  const dir = hashDirOf(root, partition, hash);
  const now = (await list(dir)).filter((n) => OBJECT_FILE_RE.test(n)).sort();
  if (now.join('/') !== [...expected].sort().join('/')) return false;
  await rm(dir, { recursive: true, force: true });
  return true;
}

/** Removes empty suffix folders and the partition folder when nothing is left in it. */
export async function pruneEmpty(root: string, partition: number): Promise<boolean> {
  const partDir = join(root, 'objects', String(partition));
  for (const suffix of await list(partDir)) {
    const sdir = join(partDir, suffix);
    if ((await list(sdir)).length === 0) await rm(sdir, { recursive: true, force: true }).catch(() => undefined);
  }
  if ((await list(partDir)).length > 0) return false;
  await rm(partDir, { recursive: true, force: true }).catch(() => undefined);
  return true;
}
