/**
 * The .data file format: the body bytes, then the object's metadata as JSON, then a 12-byte
 * footer (JSON length as uint32 big-endian, then the magic "STRATA01").
 *
 * Why metadata lives in the file and not in LevelDB: a PUT then costs one file fsync plus the
 * directory fsync, with no second synchronous LevelDB write; data and metadata can never
 * disagree because one rename publishes both; and the replicator moves one file. Why a footer
 * and not a header: the ETag, checksum and size are known only once the body has streamed, and
 * the body stays at offset 0 so ranged reads need no offset arithmetic beyond the size.
 */
import type { FileHandle } from 'node:fs/promises';
import { StoreError } from '../common/index.js';

const MAGIC = Buffer.from('STRATA01', 'ascii');
export const FOOTER_BYTES = 12;
/** Metadata JSON larger than this is refused (a guard against corrupt length fields). */
export const MAX_META_BYTES = 1024 * 1024;

/** What a .data file records about its object. */
export interface StoredMeta {
  size: number;
  etag: string;
  checksum: string;
  contentType: string;
  timestamp: string;
  deleteAtMs: number;
  metadata: Record<string, string>;
  /** "/account/container/object"; absent in files written before it was recorded. */
  path?: string;
}

/** The bytes appended after the body: JSON + footer. */
export function encodeTrailer(meta: StoredMeta): Buffer {
  const json = Buffer.from(JSON.stringify(meta), 'utf8');
  const footer = Buffer.alloc(FOOTER_BYTES);
  footer.writeUInt32BE(json.length, 0);
  MAGIC.copy(footer, 4);
  return Buffer.concat([json, footer]);
}

/**
 * Bytes read from the end of a .data file to find its metadata: enough for the metadata of
 * nearly every object, and for the whole file of a small object (see wholeFileOf()).
 */
const TAIL_READ_BYTES = 16 * 1024;

/** Files that readStoredMeta() read whole, by handle (entries go with the closed handles). */
const wholeFiles = new WeakMap<FileHandle, Buffer>();

/**
 * The complete bytes of a .data file if readStoredMeta() read all of it (files up to 16 KiB),
 * so that a small GET reads its file once. Undefined otherwise.
 */
export function wholeFileOf(fh: FileHandle): Buffer | undefined {
  return wholeFiles.get(fh);
}

/**
 * Reads the metadata of an open .data file. Reads the tail in one call for small metadata.
 * @throws CORRUPT when the footer or JSON is damaged or sizes disagree
 */
export async function readStoredMeta(fh: FileHandle, path: string): Promise<StoredMeta> {
  const { size: fileSize } = await fh.stat();
  const corrupt = (why: string) => new StoreError('CORRUPT', `Cannot read object file "${path}": ${why}`);
  if (fileSize < FOOTER_BYTES) throw corrupt('too short');
  const tailLen = Math.min(fileSize, TAIL_READ_BYTES);
  const tail = Buffer.allocUnsafe(tailLen);
  const { bytesRead } = await fh.read(tail, 0, tailLen, fileSize - tailLen);
  if (bytesRead !== tailLen) throw corrupt('shorter than its size');
  if (tailLen === fileSize) wholeFiles.set(fh, tail);
  const footer = tail.subarray(tailLen - FOOTER_BYTES);
  if (!footer.subarray(4).equals(MAGIC)) throw corrupt('bad footer');
  const jsonLen = footer.readUInt32BE(0);
  if (jsonLen > MAX_META_BYTES || jsonLen + FOOTER_BYTES > fileSize) throw corrupt('bad metadata length');
  let json: Buffer;
  if (jsonLen + FOOTER_BYTES <= tailLen) {
    json = tail.subarray(tailLen - FOOTER_BYTES - jsonLen, tailLen - FOOTER_BYTES);
  } else {
    json = Buffer.alloc(jsonLen);
    await fh.read(json, 0, jsonLen, fileSize - FOOTER_BYTES - jsonLen);
  }
  let meta: StoredMeta;
  try {
    meta = JSON.parse(json.toString('utf8')) as StoredMeta;
  } catch {
    throw corrupt('bad metadata JSON');
  }
  if (typeof meta.size !== 'number' || meta.size !== fileSize - FOOTER_BYTES - jsonLen) {
    throw corrupt('size does not match metadata');
  }
  return meta;
}
