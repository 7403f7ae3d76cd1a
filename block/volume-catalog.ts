/**
 * The volume catalog: every volume and snapshot of the cluster in one consensus register, so
 * that create, snapshot, clone and delete are atomic and checks such as "has dependent clones"
 * are exact. Pure functions over the catalog value; VolumeManager stores it.
 *
 * Data model: a volume reads through a chain of layers, newest first: its own writable layer,
 * then the frozen layers of the snapshots it descends from. A snapshot freezes the volume's
 * current layer and gives the volume a fresh empty one (O(1)); a clone is a new volume whose
 * chain starts with a fresh layer above the snapshot's chain.
 */
import { randomBytes } from 'node:crypto';
import { StoreError } from '../common/index.js';

export interface VolumeRecord {
  id: string;
  name: string;
  sizeBytes: number;
  extentBytes: number;
  /** Writable layer first, then parent (frozen) layers, newest first. */
  layers: string[];
  createdAtMs: number;
  /** Snapshot this volume was cloned from. */
  cloneOf?: string;
}

export interface SnapshotRecord {
  id: string;
  name: string;
  volumeId: string;
  sizeBytes: number;
  extentBytes: number;
  /** Frozen layers, newest first. */
  layers: string[];
  createdAtMs: number;
}

export interface Catalog {
  volumes: VolumeRecord[];
  snapshots: SnapshotRecord[];
}

export const EMPTY_CATALOG: Catalog = { volumes: [], snapshots: [] };
export const DEFAULT_EXTENT_BYTES = 1024 * 1024;
/** Largest volume: 2^50 bytes (1 PiB), far above any test and within exact doubles. */
export const MAX_VOLUME_BYTES = 2 ** 50;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** A new random id (layer, volume or snapshot). */
export function newId(prefix: string): string {
  return `${prefix}-${randomBytes(8).toString('hex')}`;
}

/** @throws INVALID_ARGUMENT for a bad name */
export function checkName(kind: string, name: string): void {
  if (!NAME_RE.test(name)) {
    throw new StoreError('INVALID_ARGUMENT', `Cannot use ${kind} name "${name}": use 1-63 letters, digits, ".", "_" or "-"`);
  }
}

/** @throws INVALID_ARGUMENT unless size is a positive multiple of 512 within limits */
export function checkSize(sizeBytes: number): void {
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0 || sizeBytes % 512 !== 0 || sizeBytes > MAX_VOLUME_BYTES) {
    throw new StoreError('INVALID_ARGUMENT', `Cannot use size ${sizeBytes}: must be a positive multiple of 512 bytes up to 1 PiB`);
  }
}

/** Finds a volume by name or id. @throws NOT_FOUND */
export function findVolume(c: Catalog, ref: string): VolumeRecord {
  const v = c.volumes.find((x) => x.name === ref || x.id === ref);
  if (!v) throw new StoreError('NOT_FOUND', `Cannot find volume "${ref}"`);
  return v;
}

/** Finds a snapshot by name or id, optionally of one volume. @throws NOT_FOUND */
export function findSnapshot(c: Catalog, ref: string, volumeId?: string): SnapshotRecord {
  const s = c.snapshots.find((x) => (x.name === ref || x.id === ref) && (volumeId === undefined || x.volumeId === volumeId));
  if (!s) throw new StoreError('NOT_FOUND', `Cannot find snapshot "${ref}"`);
  return s;
}

/** Every layer some volume or snapshot still reads. */
export function liveLayers(c: Catalog): Set<string> {
  const out = new Set<string>();
  for (const v of c.volumes) for (const l of v.layers) out.add(l);
  for (const s of c.snapshots) for (const l of s.layers) out.add(l);
  return out;
}

/** Adds a volume. @throws ALREADY_EXISTS, INVALID_ARGUMENT */
export function addVolume(c: Catalog, v: VolumeRecord): Catalog {
  checkName('volume', v.name);
  checkSize(v.sizeBytes);
  if (c.volumes.some((x) => x.name === v.name)) throw new StoreError('ALREADY_EXISTS', `Cannot create volume "${v.name}": it exists`);
  return { ...c, volumes: [...c.volumes, v] };
}

/** Grows a volume. @throws NOT_FOUND, INVALID_ARGUMENT (shrinking) */
export function extendVolume(c: Catalog, ref: string, sizeBytes: number): Catalog {
  const v = findVolume(c, ref);
  checkSize(sizeBytes);
  if (sizeBytes < v.sizeBytes) {
    throw new StoreError('INVALID_ARGUMENT', `Cannot extend volume "${v.name}" to ${sizeBytes} bytes: it has ${v.sizeBytes}, shrinking is not supported`);
  }
  return { ...c, volumes: c.volumes.map((x) => (x.id === v.id ? { ...x, sizeBytes } : x)) };
}

/** Freezes a volume's layer as a snapshot; the volume continues on a new empty layer (O(1)). */
export function snapshotVolume(c: Catalog, ref: string, name: string, nowMs: number): { catalog: Catalog; snapshot: SnapshotRecord } {
  const v = findVolume(c, ref);
  checkName('snapshot', name);
  if (c.snapshots.some((s) => s.volumeId === v.id && s.name === name)) {
    throw new StoreError('ALREADY_EXISTS', `Cannot snapshot volume "${v.name}": snapshot "${name}" exists`);
  }
  const snapshot: SnapshotRecord = {
    id: newId('snap'), name, volumeId: v.id, sizeBytes: v.sizeBytes, extentBytes: v.extentBytes, layers: [...v.layers], createdAtMs: nowMs,
  };
  const volume = { ...v, layers: [newId('l'), ...v.layers] };
  return { catalog: { volumes: c.volumes.map((x) => (x.id === v.id ? volume : x)), snapshots: [...c.snapshots, snapshot] }, snapshot };
}

/** A new volume reading through a snapshot. @throws NOT_FOUND, ALREADY_EXISTS */
export function cloneSnapshot(c: Catalog, snapshotRef: string, name: string, nowMs: number, volumeRef?: string): { catalog: Catalog; volume: VolumeRecord } {
  const owner = volumeRef === undefined ? undefined : findVolume(c, volumeRef).id;
  const s = findSnapshot(c, snapshotRef, owner);
  const volume: VolumeRecord = {
    id: newId('vol'), name, sizeBytes: s.sizeBytes, extentBytes: s.extentBytes, layers: [newId('l'), ...s.layers], createdAtMs: nowMs, cloneOf: s.id,
  };
  return { catalog: addVolume(c, volume), volume };
}

/** Clones that still read through a snapshot's layers. */
export function dependentsOf(c: Catalog, s: SnapshotRecord): VolumeRecord[] {
  return c.volumes.filter((v) => v.cloneOf === s.id);
}

/**
 * Removes a snapshot. @throws NOT_FOUND, IN_USE when clones depend on it
 * @returns the catalog and the layers nothing reads any more
 */
export function removeSnapshot(c: Catalog, ref: string, volumeRef?: string): { catalog: Catalog; freed: string[]; snapshot: SnapshotRecord } {
  const owner = volumeRef === undefined ? undefined : findVolume(c, volumeRef).id;
  const s = findSnapshot(c, ref, owner);
  const clones = dependentsOf(c, s);
  if (clones.length > 0) {
    throw new StoreError('IN_USE', `Cannot delete snapshot "${s.name}": it has dependent clones (${clones.map((v) => `"${v.name}"`).join(', ')})`);
  }
  const catalog = { ...c, snapshots: c.snapshots.filter((x) => x.id !== s.id) };
  return { catalog, freed: freedLayers(c, catalog), snapshot: s };
}

/**
 * Removes a volume and its snapshots. @throws NOT_FOUND, IN_USE when clones depend on one of
 * its snapshots
 */
export function removeVolume(c: Catalog, ref: string): { catalog: Catalog; freed: string[]; volume: VolumeRecord } {
  const v = findVolume(c, ref);
  const snaps = c.snapshots.filter((s) => s.volumeId === v.id);
  for (const s of snaps) {
    const clones = dependentsOf(c, s);
    if (clones.length > 0) {
      throw new StoreError('IN_USE', `Cannot delete volume "${v.name}": it has dependent clones (${clones.map((x) => `"${x.name}"`).join(', ')}) of snapshot "${s.name}"`);
    }
  }
  const catalog = { volumes: c.volumes.filter((x) => x.id !== v.id), snapshots: c.snapshots.filter((s) => s.volumeId !== v.id) };
  return { catalog, freed: freedLayers(c, catalog), volume: v };
}

function freedLayers(before: Catalog, after: Catalog): string[] {
  const live = liveLayers(after);
  return [...liveLayers(before)].filter((l) => !live.has(l));
}

/** Parses a stored catalog. @throws CORRUPT */
export function parseCatalog(text: string | undefined): Catalog {
  if (text === undefined) return EMPTY_CATALOG;
  try {
    const c = JSON.parse(text) as Catalog;
    if (!Array.isArray(c.volumes) || !Array.isArray(c.snapshots)) throw new Error('shape');
    return c;
  } catch {
    throw new StoreError('CORRUPT', 'Cannot read the volume catalog: not a catalog document');
  }
}
