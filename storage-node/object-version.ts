/**
 * Reading the current version of one object from its hash folder: the newest .data with the
 * newest later .meta (a POST) applied, unless it has expired. Shared by FsObjectStore's reads
 * and its write-time checks (If-None-Match, POST).
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError, fromFsError } from '../common/index.js';
import { readStoredMeta } from './object-file.js';
import { readHashDir, type HashDirState } from './hash-dir.js';
import { isPostProtectedKey, type ObjectRecord } from './object-store.js';

/** The content of a `<ts>.meta` file: the newest POST, self-contained relative to the .data. */
export interface MetaFile {
  timestamp: string;
  metadata: Record<string, string>;
  /** Empty: the .data's. */
  contentType: string;
  /** -1: the .data's; 0: never expires; >0: ms since the epoch. */
  deleteAtMs: number;
}

/** @throws CORRUPT when the file is unreadable or not JSON */
export async function readMetaFile(dir: string, timestamp: string): Promise<MetaFile> {
  const path = join(dir, `${timestamp}.meta`);
  try {
    return JSON.parse(await readFile(path, 'utf8')) as MetaFile;
  } catch (err) {
    throw new StoreError('CORRUPT', `Cannot read object metadata "${path}"`, { cause: err });
  }
}

/** A record with a POST applied: metadata replaced except the protected keys. */
export function applyMeta(record: ObjectRecord, meta: MetaFile): ObjectRecord {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(record.metadata)) if (isPostProtectedKey(k)) metadata[k] = v;
  for (const [k, v] of Object.entries(meta.metadata)) if (!isPostProtectedKey(k)) metadata[k] = v;
  return {
    ...record,
    metadata,
    metaTimestamp: meta.timestamp,
    contentType: meta.contentType || record.contentType,
    deleteAtMs: meta.deleteAtMs >= 0 ? meta.deleteAtMs : record.deleteAtMs,
  };
}

export interface OpenVersion {
  fh: FileHandle;
  record: ObjectRecord;
  state: HashDirState;
}

/**
 * Opens the live version of the object in `dir`; the caller closes `fh`. Undefined when there
 * is none (never written, deleted or expired).
 * @throws CORRUPT, or a mapped file-system error
 */
export async function openLiveVersion(dir: string, nowMs: number): Promise<OpenVersion | undefined> {
  // A concurrent write may remove the file between readdir and open: look again.
  for (let attempt = 0; attempt < 3; attempt++) {
    const state = await readHashDir(dir);
    if (state.newest?.kind !== 'data') return undefined;
    const path = join(dir, `${state.newest.timestamp}.data`);
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw fromFsError(err, `Cannot open "${path}"`);
    }
    try {
      const stored = await readStoredMeta(fh, path);
      const { path: _path, ...fields } = stored;
      let record: ObjectRecord = { ...fields, metaTimestamp: stored.timestamp };
      if (state.meta) record = applyMeta(record, await readMetaFile(dir, state.meta));
      if (record.deleteAtMs > 0 && record.deleteAtMs <= nowMs) {
        await fh.close();
        return undefined;
      }
      return { fh, record, state };
    } catch (err) {
      await fh.close().catch(() => undefined);
      throw err;
    }
  }
  return undefined;
}

/** Whether `state` (read under the object's lock) shows a live, unexpired object. */
export async function isLiveVersion(dir: string, state: HashDirState, nowMs: number): Promise<boolean> {
  if (state.newest?.kind !== 'data') return false;
  try {
    const fh = await open(join(dir, `${state.newest.timestamp}.data`), 'r');
    try {
      const stored = await readStoredMeta(fh, dir);
      let deleteAtMs = stored.deleteAtMs;
      if (state.meta) {
        const m = await readMetaFile(dir, state.meta);
        if (m.deleteAtMs >= 0) deleteAtMs = m.deleteAtMs;
      }
      return !(deleteAtMs > 0 && deleteAtMs <= nowMs);
    } finally {
      await fh.close();
    }
  } catch {
    // An unreadable version counts as absent; the auditor quarantines it.
    return false;
  }
}
