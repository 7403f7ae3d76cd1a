/**
 * ContainerStore: container records and their object listings in the device's LevelDB
 * (meta-db.ts). Object nodes send rows after each write (updateRows); the newest timestamp per
 * name wins and deleted rows stay as tombstones so that a late, older row cannot resurrect a
 * name. Counts and bytes are kept incrementally in the container record, in the same atomic
 * batch as the rows. Every stats change marks the container "dirty"; the updater sends dirty
 * containers' stats to their account replicas.
 *
 * Durability: container PUT/POST/DELETE are written with sync; object rows are not (they reach
 * the OS at once and survive a process crash; after a power loss the replicator restores them
 * from the other container replicas), because one fsync per object row would halve PUT rates.
 */
import { StoreError, TimestampSource, isTimestamp } from '../common/index.js';
import { KeyLock } from './key-lock.js';
import { listSpace, type ListOptions } from './listing.js';
import { mergeTimedMetadata, visibleMetadata } from './timed-metadata.js';
import { partKey, type MetaDbs, type DeviceDb, type ContainerRecord, type ObjectRowValue, type TargetValue, type ContainerRowValue, type TimedValue } from './meta-db.js';

export interface ContainerKey { device: string; partition: number; account: string; container: string }
export type ObjectRow = ObjectRowValue & { name: string };
export type ObjectListEntry = { object: ObjectRow } | { subdir: string };

export interface ContainerInfo {
  objectCount: number;
  bytesUsed: number;
  putTimestamp: string;
  deleteTimestamp: string;
  metadata: Record<string, string>;
}

/** The key of a container record (also of its dirty marker and its account row's base). */
export function containerKey(ref: ContainerKey): string {
  return `${partKey(ref.partition)}:${ref.account}\0${ref.container}`;
}

/** The parts of a container key, or undefined when it is not one. */
export function parseContainerKey(key: string): { partition: number; account: string; container: string } | undefined {
  const m = /^([0-9a-f]{8}):([^\0]+)\0([^\0]+)$/.exec(key);
  if (!m) return undefined;
  return { partition: parseInt(m[1] as string, 16), account: m[2] as string, container: m[3] as string };
}

interface RowGroup { rows: ObjectRow[]; done: Promise<void> }

export interface DirtyStats {
  version: string;
  partition: number;
  account: string;
  container: string;
  targets: TargetValue[];
  /** Undefined when the container record is gone (the mark is then simply dropped). */
  row: (ContainerRowValue & { name: string }) | undefined;
}

function isDeleted(rec: ContainerRecord): boolean {
  return rec.deleteTimestamp > rec.putTimestamp;
}

export class ContainerStore {
  private readonly locks = new KeyLock();
  private readonly gathering = new Map<string, RowGroup>();

  /** @param onDirty called when a container's stats must go to its account replicas */
  constructor(private readonly dbs: MetaDbs, private readonly stamps = new TimestampSource(), private readonly onDirty: () => void = () => undefined) {}

  /**
   * Creates the container, or merges metadata into a live one.
   * @throws INVALID_ARGUMENT (bad timestamp), NOT_MOUNTED, NO_SPACE (below the reserve)
   */
  async put(ref: ContainerKey, timestamp: string, metadata: Record<string, string>, accountTargets: TargetValue[]): Promise<{ created: boolean }> {
    checkTimestamp(timestamp);
    // A full device takes no new containers (rows and deletions still go in, they free space later).
    await this.dbs.checkWritable(ref.device);
    return this.withRecord(ref, async (d, key, rec) => {
      const wasLive = rec !== undefined && !isDeleted(rec);
      const next: ContainerRecord = rec ?? { putTimestamp: '', deleteTimestamp: '', metadata: {}, objectCount: 0, bytesUsed: 0, accountTargets: [] };
      if (timestamp > next.putTimestamp) next.putTimestamp = timestamp;
      mergeTimedMetadata(next.metadata, metadata, timestamp);
      if (accountTargets.length > 0) next.accountTargets = accountTargets;
      await this.save(d, key, next, true);
      return { created: !wasLive && !isDeleted(next) };
    });
  }

  /**
   * Merges a replica's container record (listing replication): newest put and delete
   * timestamps, and per metadata key the newest value, creating the record if missing. Rows
   * follow with updateRows(). A deletion comes in even with rows still listed: they are the
   * other replica's to send.
   * @throws INVALID_ARGUMENT, NOT_MOUNTED
   */
  async mergeRecord(ref: ContainerKey, putTimestamp: string, deleteTimestamp: string, metadata: Record<string, TimedValue>): Promise<void> {
    await this.withRecord(ref, async (d, key, rec) => {
      const next: ContainerRecord = rec ?? { putTimestamp: '', deleteTimestamp: '', metadata: {}, objectCount: 0, bytesUsed: 0, accountTargets: [] };
      let changed = rec === undefined;
      if (putTimestamp > next.putTimestamp) { next.putTimestamp = putTimestamp; changed = true; }
      if (deleteTimestamp > next.deleteTimestamp) { next.deleteTimestamp = deleteTimestamp; changed = true; }
      for (const [k, [value, ts]] of Object.entries(metadata)) {
        if (mergeTimedMetadata(next.metadata, { [k]: value }, ts)) changed = true;
      }
      if (changed) await this.save(d, key, next, true);
    });
  }

  /** @throws NOT_FOUND (missing or deleted), NOT_MOUNTED */
  async head(ref: ContainerKey): Promise<ContainerInfo> {
    const d = await this.dbs.get(ref.device);
    const rec = await d.containers.get(containerKey(ref));
    if (!rec || isDeleted(rec)) throw notFound(ref);
    return {
      objectCount: rec.objectCount, bytesUsed: rec.bytesUsed, putTimestamp: rec.putTimestamp,
      deleteTimestamp: rec.deleteTimestamp, metadata: visibleMetadata(rec.metadata),
    };
  }

  /** Merges metadata; an empty value removes the key. @throws NOT_FOUND, INVALID_ARGUMENT, NOT_MOUNTED */
  async post(ref: ContainerKey, timestamp: string, metadata: Record<string, string>): Promise<void> {
    checkTimestamp(timestamp);
    await this.withRecord(ref, async (d, key, rec) => {
      if (!rec || isDeleted(rec)) throw notFound(ref);
      if (mergeTimedMetadata(rec.metadata, metadata, timestamp)) await this.save(d, key, rec, false);
    });
  }

  /**
   * Marks the container deleted (a DELETE older than its PUT changes nothing).
   * @throws NOT_FOUND, CONFLICT (it still lists live objects), INVALID_ARGUMENT, NOT_MOUNTED
   */
  async delete(ref: ContainerKey, timestamp: string, accountTargets: TargetValue[]): Promise<void> {
    checkTimestamp(timestamp);
    await this.withRecord(ref, async (d, key, rec) => {
      if (!rec || isDeleted(rec)) throw notFound(ref);
      if (rec.objectCount > 0) {
        throw new StoreError('CONFLICT', `Cannot delete container "${ref.account}/${ref.container}": it has ${rec.objectCount} objects`);
      }
      if (timestamp <= rec.putTimestamp) return;
      rec.deleteTimestamp = timestamp;
      for (const k of Object.keys(rec.metadata)) rec.metadata[k] = ['', timestamp];
      if (accountTargets.length > 0) rec.accountTargets = accountTargets;
      await this.save(d, key, rec, true);
    });
  }

  /**
   * Applies object rows; per name the newest timestamp wins. Concurrent calls for one container
   * are group-committed: while one batch is being written, later rows gather and go together in
   * the next one, so a hot container costs one LevelDB write per round, not one per object.
   * @throws NOT_FOUND (no such container on this device), INVALID_ARGUMENT, NOT_MOUNTED
   */
  async updateRows(ref: ContainerKey, rows: ObjectRow[]): Promise<void> {
    checkNames(ref);
    for (const row of rows) {
      checkTimestamp(row.timestamp);
      if (!row.name || row.name.includes('\0')) throw new StoreError('INVALID_ARGUMENT', `Cannot update container "${ref.account}/${ref.container}": bad object name`);
    }
    const d = await this.dbs.get(ref.device);
    const key = containerKey(ref);
    const lockKey = `${ref.device}/${key}`;
    let group = this.gathering.get(lockKey);
    if (!group) {
      const g: RowGroup = { rows: [], done: Promise.resolve() };
      g.done = this.locks.with(lockKey, async () => {
        // From here on, new rows start the next group.
        this.gathering.delete(lockKey);
        await this.applyRows(ref, d, key, g.rows);
      });
      this.gathering.set(lockKey, g);
      group = g;
    }
    group.rows.push(...rows);
    await group.done;
  }

  private async applyRows(ref: ContainerKey, d: DeviceDb, key: string, all: ObjectRow[]): Promise<void> {
    const rec = await d.containers.get(key);
    if (!rec) throw notFound(ref);
    // Keep the newest row per name within the group.
    const byName = new Map<string, ObjectRow>();
    for (const r of all) {
      const seen = byName.get(r.name);
      if (!seen || seen.timestamp < r.timestamp) byName.set(r.name, r);
    }
    const rows = [...byName.values()];
    const rowKeys = rows.map((r) => `${key}\0${r.name}`);
    const old = await d.objectRows.getMany(rowKeys);
    const batch = d.db.batch();
    let changed = false;
    rows.forEach((row, i) => {
      const prev = old[i];
      if (prev && prev.timestamp >= row.timestamp) return;
      if (prev && !prev.deleted) { rec.objectCount -= 1; rec.bytesUsed -= prev.size; }
      if (!row.deleted) { rec.objectCount += 1; rec.bytesUsed += row.size; }
      const value: ObjectRowValue = { size: row.deleted ? 0 : row.size, etag: row.etag, contentType: row.contentType, timestamp: row.timestamp, deleted: row.deleted };
      batch.put(rowKeys[i] as string, value, { sublevel: d.objectRows });
      changed = true;
    });
    if (!changed) {
      await batch.close();
      return;
    }
    batch.put(key, rec, { sublevel: d.containers });
    batch.put(key, this.stamps.next(), { sublevel: d.dirty });
    await batch.write();
    this.onDirty();
  }

  /** @throws NOT_FOUND, NOT_MOUNTED */
  async list(ref: ContainerKey, opts: ListOptions): Promise<ObjectListEntry[]> {
    const d = await this.dbs.get(ref.device);
    const key = containerKey(ref);
    const rec = await d.containers.get(key);
    if (!rec || isDeleted(rec)) throw notFound(ref);
    const listed = await listSpace(d.objectRows, `${key}\0`, opts, (v) => !v.deleted);
    return listed.map((e) => ('subdir' in e ? e : { object: { name: e.name, ...e.value } }));
  }

  /**
   * What the account replicas must hear about a dirty container: its account row, its account
   * targets and the dirty version read (pass it to clearDirty). Undefined when not dirty.
   */
  async dirtyStats(device: string, key: string): Promise<DirtyStats | undefined> {
    const d = await this.dbs.get(device);
    const version = await d.dirty.get(key);
    if (version === undefined) return undefined;
    const rec = await d.containers.get(key);
    const parsed = parseContainerKey(key);
    if (!rec || !parsed) return { version, ...(parsed ?? { partition: 0, account: '', container: '' }), targets: [], row: undefined };
    const row = {
      name: parsed.container, objectCount: rec.objectCount, bytesUsed: rec.bytesUsed, putTimestamp: rec.putTimestamp,
      deleteTimestamp: rec.deleteTimestamp, statsTimestamp: version, deleted: isDeleted(rec),
    };
    return { version, ...parsed, targets: rec.accountTargets, row };
  }

  /** Forgets the dirty mark if nothing changed since `version` was read. */
  async clearDirty(device: string, key: string, version: string): Promise<void> {
    const d = await this.dbs.get(device);
    await this.locks.with(`${device}/${key}`, async () => {
      if ((await d.dirty.get(key)) === version) await d.dirty.del(key);
    });
  }

  private async withRecord<T>(ref: ContainerKey, fn: (d: DeviceDb, key: string, rec: ContainerRecord | undefined) => Promise<T>): Promise<T> {
    checkNames(ref);
    const d = await this.dbs.get(ref.device);
    const key = containerKey(ref);
    return this.locks.with(`${ref.device}/${key}`, async () => fn(d, key, await d.containers.get(key)));
  }

  private async save(d: DeviceDb, key: string, rec: ContainerRecord, dirty: boolean): Promise<void> {
    const batch = d.db.batch().put(key, rec, { sublevel: d.containers });
    if (dirty) batch.put(key, this.stamps.next(), { sublevel: d.dirty });
    await batch.write({ sync: true });
    if (dirty) this.onDirty();
  }
}

function checkTimestamp(ts: string): void {
  if (!isTimestamp(ts)) throw new StoreError('INVALID_ARGUMENT', `Cannot use timestamp "${ts}"`);
}

function checkNames(ref: ContainerKey): void {
  if (!ref.account || !ref.container || ref.account.includes('\0') || ref.container.includes('\0')) {
    throw new StoreError('INVALID_ARGUMENT', 'Cannot use container: empty name or NUL in name');
  }
}

function notFound(ref: ContainerKey): StoreError {
  return new StoreError('NOT_FOUND', `Cannot find container "${ref.account}/${ref.container}"`);
}
