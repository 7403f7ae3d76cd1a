/**
 * One extent replica on disk: a sparse file whose first 4 KiB hold a header (magic, generation)
 * and whose data starts at HEADER_BYTES. Unwritten ranges are holes and read as zeros; a
 * discarded extent is truncated to its header, so it keeps its generation (and, over a parent
 * snapshot, stands for "zeros here" rather than "read the parent").
 */
import { open, rename, mkdir, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';
import { StoreError, fromFsError, fsyncDir } from '../common/index.js';

export const HEADER_BYTES = 4096;
const MAGIC = 0x53545258; // "STRX"
const FORMAT = 1;

export interface ExtentHeader { generation: number; flags: number }

/** Encodes a header block. */
export function encodeHeader(h: ExtentHeader): Buffer {
  const b = Buffer.alloc(HEADER_BYTES);
  b.writeUInt32BE(MAGIC, 0);
  b.writeUInt32BE(FORMAT, 4);
  b.writeBigUInt64BE(BigInt(h.generation), 8);
  b.writeUInt32BE(h.flags, 16);
  return b;
}

/**
 * Decodes a header block.
 * @throws CORRUPT when the magic or format is wrong
 */
export function decodeHeader(b: Buffer, path: string): ExtentHeader {
  if (b.length < 20 || b.readUInt32BE(0) !== MAGIC || b.readUInt32BE(4) !== FORMAT) {
    throw new StoreError('CORRUPT', `Cannot read extent "${path}": bad header`);
  }
  return { generation: Number(b.readBigUInt64BE(8)), flags: b.readUInt32BE(16) };
}

/** Reads the header of an extent file; undefined when the file does not exist. @throws CORRUPT */
export async function readHeader(fh: FileHandle, path: string): Promise<ExtentHeader> {
  const b = Buffer.alloc(20);
  const { bytesRead } = await fh.read(b, 0, 20, 0);
  return decodeHeader(b.subarray(0, bytesRead), path);
}

/**
 * Writes a whole extent file durably: temporary file, fsync, rename, fsync of the folder. A crash
 * leaves the old or the new extent. `data` is the content from offset 0 (may be shorter than the
 * extent; the rest reads as zeros).
 * @throws NO_SPACE, INTERNAL
 */
export async function writeExtentFileAtomic(path: string, header: ExtentHeader, data?: Buffer): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    const fh = await open(tmp, 'w', 0o644);
    try {
      await fh.write(encodeHeader(header), 0, HEADER_BYTES, 0);
      if (data && data.length > 0) await writeSparse(fh, data, HEADER_BYTES);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    await fsyncDir(dir);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw fromFsError(err, `Cannot write extent "${path}"`);
  }
}

const SPARSE_BLOCK = 4096;

/** Writes `data` at `base`, skipping all-zero 4 KiB blocks so that copies stay thin. */
async function writeSparse(fh: FileHandle, data: Buffer, base: number): Promise<void> {
  let runStart = -1;
  for (let off = 0; off < data.length; off += SPARSE_BLOCK) {
    const end = Math.min(off + SPARSE_BLOCK, data.length);
    if (isZero(data, off, end)) {
      if (runStart >= 0) await fh.write(data, runStart, off - runStart, base + runStart);
      runStart = -1;
    } else if (runStart < 0) {
      runStart = off;
    }
  }
  if (runStart >= 0) await fh.write(data, runStart, data.length - runStart, base + runStart);
}

/** True when data[from, to) is all zeros. */
export function isZero(data: Buffer, from = 0, to = data.length): boolean {
  let i = from;
  for (; i + 8 <= to; i += 8) if (data.readBigUInt64LE(i) !== 0n) return false;
  for (; i < to; i++) if (data[i] !== 0) return false;
  return true;
}
