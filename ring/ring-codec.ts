/**
 * The ring file: what proxies and storage nodes load. Header: ring version, partition power,
 * replica count, hash secret, device list; one section per replica with the partition -> device
 * table (Uint16 little-endian). Checksummed and gzipped by file-format.ts.
 */
import { StoreError } from '../common/index.js';
import { checkDevice, NO_DEVICE, type Device } from './device.js';
import { bytesOf, decodeContainer, encodeContainer, u16Of } from './file-format.js';

export const RING_MAGIC = 'STRARING';
export const RING_FORMAT_VERSION = 1;

/** The content of a ring file. */
export interface RingData {
  version: number;
  partPower: number;
  replicas: number;
  hashSecret: string;
  devices: Array<Device | undefined>;
  /** table[replica][partition] = device id. */
  table: Uint16Array[];
}

/** Serialises a ring. */
export function encodeRing(r: RingData): Promise<Buffer> {
  return encodeContainer(RING_MAGIC, RING_FORMAT_VERSION, {
    header: {
      version: r.version, partPower: r.partPower, replicas: r.replicas, hashSecret: r.hashSecret,
      devices: r.devices.map((d) => d ?? null),
    },
    sections: r.table.map(bytesOf),
  }, r.table.length * (r.table[0]?.length ?? 0) > 1 << 19 ? 0 : 6);
}

/**
 * Parses and checks a ring file.
 * @throws CORRUPT when the file is damaged or inconsistent (unknown device in the table, ...)
 */
export async function decodeRing(data: Uint8Array, what = 'ring file'): Promise<RingData> {
  const { header: h, sections } = await decodeContainer(RING_MAGIC, RING_FORMAT_VERSION, data, what);
  const corrupt = (why: string): never => {
    throw new StoreError('CORRUPT', `Cannot read ${what}: ${why}`);
  };
  const { version, partPower, replicas, hashSecret, devices } = h;
  if (!Number.isInteger(version) || (version as number) < 0) corrupt('bad ring version');
  if (!Number.isInteger(partPower) || (partPower as number) < 1 || (partPower as number) > 24) corrupt('bad partition power');
  if (!Number.isInteger(replicas) || (replicas as number) < 1) corrupt('bad replica count');
  if (typeof hashSecret !== 'string') corrupt('missing hash secret');
  if (!Array.isArray(devices)) return corrupt('missing device list');
  if (sections.length !== replicas) corrupt(`has ${sections.length} replica tables, expected ${replicas}`);
  const devs = (devices as Array<Device | null>).map((d, i) => {
    if (d === null) return undefined;
    try {
      checkDevice(d);
    } catch (err) {
      corrupt(`device ${i}: ${(err as Error).message}`);
    }
    if (d.id !== i) corrupt(`device at index ${i} has id ${d.id}`);
    return d;
  });
  const partCount = 2 ** (partPower as number);
  const table = sections.map((s, r) => u16Of(s, partCount, `${what} replica ${r}`));
  const known = new Uint8Array(NO_DEVICE + 1);
  devs.forEach((d, i) => { if (d) known[i] = 1; });
  for (const row of table) {
    for (let p = 0; p < partCount; p++) {
      if (known[row[p]!] === 0) corrupt(`partition ${p} points to unknown device ${row[p]}`);
    }
  }
  return { version: version as number, partPower: partPower as number, replicas: replicas as number,
    hashSecret: hashSecret as string, devices: devs, table };
}
