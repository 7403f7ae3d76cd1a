/**
 * The container shared by ring and builder files: gzip of
 *   magic (8 bytes) | format version (u32 LE) | header length (u32 LE) | header JSON (UTF-8)
 *   | binary sections, each the little-endian bytes of one typed array, lengths in the header
 *   | xxhash64 (u64 LE) of everything before it.
 * A small JSON header keeps the format readable and extensible; the bulk (partition tables) stays
 * binary so that a 2^20-partition ring loads in milliseconds. Tables of random 16-bit device ids
 * barely compress (about 10%) but inflating them costs three times as long as a stored gzip
 * block, so callers pass level 0 for large files.
 */
import { gzipSync, gunzipSync } from 'node:zlib';
import { StoreError } from '../common/index.js';
import { loadXxhash } from './hash.js';

export interface Container {
  header: Record<string, unknown>;
  sections: Uint8Array[];
}

const HEAD = 16;

/** Encodes a container. `magic` is 8 ASCII characters. */
export async function encodeContainer(magic: string, formatVersion: number, c: Container, level = 6): Promise<Buffer> {
  const api = await loadXxhash();
  const json = Buffer.from(JSON.stringify({ ...c.header, sectionBytes: c.sections.map((s) => s.byteLength) }), 'utf8');
  // Pad the header with spaces (still valid JSON) so that sections start 8-byte aligned and
  // decoding can use typed-array views without copying.
  const pad = (8 - ((HEAD + json.length) % 8)) % 8;
  const header = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const body = HEAD + header.length + c.sections.reduce((a, s) => a + s.byteLength, 0);
  const out = Buffer.alloc(body + 8);
  out.write(magic, 0, 8, 'latin1');
  out.writeUInt32LE(formatVersion, 8);
  out.writeUInt32LE(header.length, 12);
  header.copy(out, HEAD);
  let at = HEAD + header.length;
  for (const s of c.sections) {
    out.set(s, at);
    at += s.byteLength;
  }
  out.writeBigUInt64LE(api.h64Raw(out.subarray(0, body)), body);
  return gzipSync(out, { level });
}

/**
 * Decodes and verifies a container.
 * @throws CORRUPT when the data is not gzip, has the wrong magic or version, or fails its checksum
 */
export async function decodeContainer(magic: string, formatVersion: number, data: Uint8Array, what: string): Promise<Container> {
  const api = await loadXxhash();
  const corrupt = (why: string): never => {
    throw new StoreError('CORRUPT', `Cannot read ${what}: ${why}`);
  };
  let raw: Buffer;
  try {
    // The gzip trailer holds the uncompressed size (mod 2^32): one output chunk of that size
    // saves zlib from growing and concatenating hundreds of 16 KiB chunks.
    const isize = data.length >= 18 ? Buffer.from(data.buffer, data.byteOffset, data.length).readUInt32LE(data.length - 4) : 0;
    raw = gunzipSync(data, { chunkSize: Math.min(Math.max(isize + 64, 64 * 1024), 1 << 30) });
  } catch {
    return corrupt('not a gzip file');
  }
  if (raw.length < HEAD + 8) corrupt('file is truncated');
  if (raw.toString('latin1', 0, 8) !== magic) corrupt(`not a "${magic.trim()}" file`);
  const version = raw.readUInt32LE(8);
  if (version !== formatVersion) corrupt(`format version ${version} is not supported (expected ${formatVersion})`);
  const body = raw.length - 8;
  if (raw.readBigUInt64LE(body) !== api.h64Raw(raw.subarray(0, body))) corrupt('checksum mismatch');
  const headerLen = raw.readUInt32LE(12);
  if (HEAD + headerLen > body) corrupt('header length out of range');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(raw.toString('utf8', HEAD, HEAD + headerLen)) as Record<string, unknown>;
  } catch {
    return corrupt('header is not JSON');
  }
  const sizes = header.sectionBytes;
  if (!Array.isArray(sizes) || !sizes.every((n) => Number.isInteger(n) && n >= 0)) return corrupt('bad section table');
  let at = HEAD + headerLen;
  const sections: Uint8Array[] = [];
  for (const n of sizes as number[]) {
    if (at + n > body) corrupt('section runs past the end');
    // Views when aligned (files we write are); otherwise copy so typed-array views are legal.
    const view = raw.subarray(at, at + n);
    sections.push((raw.byteOffset + at) % 8 === 0 ? new Uint8Array(view.buffer, view.byteOffset, n) : new Uint8Array(view));
    at += n;
  }
  if (at !== body) corrupt('trailing bytes after the last section');
  return { header, sections };
}

/** The bytes of a typed array (a view, no copy). */
export function bytesOf(a: Uint16Array | Uint32Array | Uint8Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** A Uint16Array over section bytes. @throws CORRUPT when the length is wrong */
export function u16Of(bytes: Uint8Array, count: number, what: string): Uint16Array {
  if (bytes.byteLength !== count * 2) throw new StoreError('CORRUPT', `Cannot read ${what}: section has ${bytes.byteLength} bytes, expected ${count * 2}`);
  return new Uint16Array(bytes.buffer, bytes.byteOffset, count);
}

/** A Uint32Array over section bytes. @throws CORRUPT when the length is wrong */
export function u32Of(bytes: Uint8Array, count: number, what: string): Uint32Array {
  if (bytes.byteLength !== count * 4) throw new StoreError('CORRUPT', `Cannot read ${what}: section has ${bytes.byteLength} bytes, expected ${count * 4}`);
  return new Uint32Array(bytes.buffer, bytes.byteOffset, count);
}
