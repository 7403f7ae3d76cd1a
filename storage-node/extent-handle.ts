/**
 * OpenExtent: an extent file a storage node holds open, and the file operations on it that the
 * store needs beside plain reads and writes: syncing (with the folder entry of a new file),
 * closing, reading the header of a file a crash may have cut short, zero checks and zeroing.
 */
import { readSync, writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDir } from '../common/index.js';
import { HEADER_BYTES, isZero, readHeader } from './extent-file.js';

const ZERO_CHUNK = Buffer.alloc(1024 * 1024);

/** An open extent file; `created`: its folder entry is not durable yet (fsync of the folder pending). */
export interface OpenExtent { fh: FileHandle; path: string; generation: number; size: number; dirty: boolean; created: boolean }

/**
 * Writes and reads of at most this many bytes on an open extent are synchronous pwrite/pread
 * calls. They hit the page cache (writes are synced only on FUA or FLUSH), so the call itself
 * takes microseconds, while the thread-pool round trip of an async call (a request object, a
 * promise, a futex wake of a worker thread and one back, which on a virtual machine is an
 * inter-processor interrupt) cost more CPU than the copy: 4 KiB random I/O took ~20% less node
 * CPU per request. Larger ones stay async: for 1 MiB the gain did not measure, and a large
 * pwrite throttled by dirty-page writeback would stall the event loop.
 */
export const SYNC_IO_MAX_BYTES = 64 * 1024;

/** Writes all of `data` at file position `pos` (pwrite). */
export async function writeAt(ex: OpenExtent, data: Buffer, pos: number): Promise<void> {
  if (data.length > SYNC_IO_MAX_BYTES) {
    await ex.fh.write(data, 0, data.length, pos);
    return;
  }
  let done = 0;
  // pwrite may write less than asked (rare on a regular file); finish the rest.
  while (done < data.length) done += writeSync(ex.fh.fd, data, done, data.length - done, pos + done);
}

/** Reads up to `length` bytes at file position `pos` into `buf` at `at`; returns the count (0 at end of file). */
export async function readAt(ex: OpenExtent, buf: Buffer, at: number, length: number, pos: number): Promise<number> {
  if (length > SYNC_IO_MAX_BYTES) return (await ex.fh.read(buf, at, length, pos)).bytesRead;
  return readSync(ex.fh.fd, buf, at, length, pos);
}

/** Syncs and closes an extent file. */
export async function closeExtent(ex: OpenExtent): Promise<void> {
  try {
    await syncExtent(ex);
  } finally {
    await ex.fh.close();
  }
}

/** Makes an extent's data (and, for a new file, its folder entry) durable. */
export async function syncExtent(ex: OpenExtent): Promise<void> {
  if (ex.created) {
    ex.dirty = false;
    ex.created = false;
    try {
      await ex.fh.sync();
      await fsyncDir(dirname(ex.path));
    } catch (err) {
      ex.dirty = true;
      ex.created = true;
      throw err;
    }
    return;
  }
  if (!ex.dirty) return;
  ex.dirty = false;
  try {
    await ex.fh.datasync();
  } catch (err) {
    ex.dirty = true;
    throw err;
  }
}

/**
 * Reads the header; a file cut short or zero-filled by a crash right after its creation (before
 * any flush) counts as a new extent at generation 0, which is what its creator wrote.
 */
export async function readHeaderOrBlank(fh: FileHandle, path: string, size: number): Promise<{ generation: number }> {
  if (size < 20) return { generation: 0 };
  const b = Buffer.alloc(20);
  await fh.read(b, 0, 20, 0);
  if (b.every((x) => x === 0)) return { generation: 0 };
  return readHeader(fh, path);
}

/** True when the extent's data (up to its size, at most one extent) is all zeros. */
export async function onlyZeros(ex: OpenExtent): Promise<boolean> {
  const buf = Buffer.allocUnsafe(Math.min(ZERO_CHUNK.length, ex.size - HEADER_BYTES));
  for (let pos = HEADER_BYTES; pos < ex.size; pos += buf.length) {
    const n = Math.min(buf.length, ex.size - pos);
    const { bytesRead } = await ex.fh.read(buf, 0, n, pos);
    if (!isZero(buf, 0, bytesRead)) return false;
  }
  return true;
}

/** Writes zeros over [offset, offset+length), skipping what lies past the end of the file. */
export async function zeroRange(ex: OpenExtent, offset: number, length: number): Promise<void> {
  const end = Math.min(offset + length, ex.size - HEADER_BYTES);
  for (let pos = offset; pos < end; pos += ZERO_CHUNK.length) {
    const n = Math.min(ZERO_CHUNK.length, end - pos);
    await ex.fh.write(ZERO_CHUNK, 0, n, HEADER_BYTES + pos);
  }
}
