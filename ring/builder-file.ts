/**
 * The builder file: the operator's whole state (devices, pending removals, overload, hash secret,
 * replica table and when each partition last moved), in the same checksummed gzip container as
 * the ring file but with its own magic, so that one cannot be loaded as the other.
 */
import { readFile } from 'node:fs/promises';
import { StoreError, fromFsError, writeFileAtomic } from '../common/index.js';
import { checkDevice, type Device } from './device.js';
import { bytesOf, decodeContainer, encodeContainer, u16Of, u32Of } from './file-format.js';

export const BUILDER_MAGIC = 'STRABLDR';
export const BUILDER_FORMAT_VERSION = 1;

/** Everything a RingBuilder holds. */
export interface BuilderState {
  partPower: number;
  replicas: number;
  minPartHours: number;
  overload: number | undefined;
  hashSecret: string;
  version: number;
  devices: Array<Device | undefined>;
  removed: number[];
  table: Uint16Array[] | undefined;
  movedAtMin: Uint32Array;
  changed: boolean;
}

/** Writes the state atomically. @throws NO_SPACE, NOT_FOUND, INTERNAL */
export async function writeBuilderFile(file: string, s: BuilderState): Promise<void> {
  const data = await encodeContainer(BUILDER_MAGIC, BUILDER_FORMAT_VERSION, {
    header: {
      partPower: s.partPower, replicas: s.replicas, minPartHours: s.minPartHours, overload: s.overload ?? null,
      hashSecret: s.hashSecret, version: s.version, devices: s.devices.map((d) => d ?? null), removed: s.removed,
      built: s.table !== undefined, changed: s.changed,
    },
    sections: [...(s.table ?? []).map(bytesOf), bytesOf(s.movedAtMin)],
  }, 1);
  await writeFileAtomic(file, data);
}

/** Reads and checks a builder file. @throws NOT_FOUND, CORRUPT */
export async function readBuilderFile(file: string): Promise<BuilderState> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw fromFsError(err, `Cannot load builder "${file}"`);
  }
  const what = `builder "${file}"`;
  const { header: h, sections } = await decodeContainer(BUILDER_MAGIC, BUILDER_FORMAT_VERSION, bytes, what);
  const corrupt = (why: string): never => {
    throw new StoreError('CORRUPT', `Cannot read ${what}: ${why}`);
  };
  const int = (v: unknown, lo: number, hi: number, name: string): number =>
    Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi ? (v as number) : corrupt(`bad ${name}`);
  const partPower = int(h.partPower, 1, 24, 'partition power');
  const replicas = int(h.replicas, 1, 16, 'replica count');
  const minPartHours = int(h.minPartHours, 0, 8760, 'min_part_hours');
  const version = int(h.version, 0, Number.MAX_SAFE_INTEGER, 'version');
  if (typeof h.hashSecret !== 'string') corrupt('missing hash secret');
  if (h.overload !== null && (typeof h.overload !== 'number' || h.overload < 0)) corrupt('bad overload');
  if (!Array.isArray(h.devices) || !Array.isArray(h.removed)) return corrupt('missing device list');
  const devices = (h.devices as Array<Device | null>).map((d, i) => {
    if (d === null) return undefined;
    try {
      checkDevice(d);
    } catch (err) {
      corrupt(`device ${i}: ${(err as Error).message}`);
    }
    if (d.id !== i) corrupt(`device at index ${i} has id ${d.id}`);
    return d;
  });
  const removed = (h.removed as unknown[]).map((id) => (Number.isInteger(id) && devices[id as number] ? (id as number) : corrupt('bad removal list')));
  const partCount = 2 ** partPower;
  const built = h.built === true;
  if (sections.length !== (built ? replicas : 0) + 1) corrupt('wrong number of sections');
  const table = built ? sections.slice(0, replicas).map((s, r) => u16Of(s, partCount, `${what} replica ${r}`)) : undefined;
  const movedAtMin = u32Of(sections[sections.length - 1]!, partCount, `${what} move times`);
  return { partPower, replicas, minPartHours, overload: (h.overload as number | null) ?? undefined,
    hashSecret: h.hashSecret as string, version, devices, removed, table, movedAtMin, changed: h.changed === true };
}
