/**
 * Per-device LevelDB (`<dev>/meta.db`) holding the node's listing data, one sublevel per key
 * space. Keys start with the partition (8 hex digits) so that one partition's rows are one key
 * range (what the replicator walks and what a handoff hands back), then the names joined by
 * "\0" (forbidden in names), so that byte order is listing order.
 *
 *   crow    <part>:<account>\0<container>\0<object>  → ObjectRowValue (container listing rows)
 *   cont    <part>:<account>\0<container>            → ContainerRecord
 *   dirty   <part>:<account>\0<container>            → version (container stats not yet sent to accounts)
 *   arow    <part>:<account>\0<container>            → ContainerRowValue (account listing rows)
 *   acct    <part>:<account>                         → AccountRecord
 *   journal <ms>:<seq>                               → JournalEntry (undelivered container updates)
 */
import { join } from 'node:path';
import { Level } from 'level';
import type { AbstractSublevel } from 'abstract-level';
import { StoreError } from '../common/index.js';
import type { Devices } from './devices.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the sublevel's parent type is generic in abstract-level
export type Space<V> = AbstractSublevel<any, string | Buffer | Uint8Array, string, V>;

/** One metadata value with the timestamp that set it; an empty value is a deletion. */
export type TimedValue = [value: string, timestamp: string];

export interface ObjectRowValue { size: number; etag: string; contentType: string; timestamp: string; deleted: boolean }

export interface TargetValue { ip: string; port: number; device: string; partition: number }

export interface ContainerRecord {
  putTimestamp: string;
  deleteTimestamp: string;
  metadata: Record<string, TimedValue>;
  objectCount: number;
  bytesUsed: number;
  /** Account replicas to tell about stats changes (from the last PutContainer/DeleteContainer). */
  accountTargets: TargetValue[];
}

export interface ContainerRowValue {
  objectCount: number;
  bytesUsed: number;
  putTimestamp: string;
  deleteTimestamp: string;
  statsTimestamp: string;
  deleted: boolean;
}

export interface AccountRecord {
  metadata: Record<string, TimedValue>;
  containerCount: number;
  objectCount: number;
  bytesUsed: number;
}

export interface JournalEntry {
  target: TargetValue;
  account: string;
  container: string;
  rows: Array<ObjectRowValue & { name: string }>;
  /** When the first delivery failed (ms since the epoch), for the age limit. */
  firstMs: number;
}

export interface DeviceDb {
  db: Level<string, unknown>;
  objectRows: Space<ObjectRowValue>;
  containers: Space<ContainerRecord>;
  dirty: Space<string>;
  containerRows: Space<ContainerRowValue>;
  accounts: Space<AccountRecord>;
  journal: Space<JournalEntry>;
}

/** The partition part of a key. */
export function partKey(partition: number): string {
  return partition.toString(16).padStart(8, '0');
}

/** Opens each device's database on first use and closes them all at shutdown. */
export class MetaDbs {
  private readonly open = new Map<string, Promise<DeviceDb>>();

  constructor(private readonly devices: Devices) {}

  /**
   * The database of a mounted device.
   * @throws NOT_MOUNTED when the device is unknown or missing, INTERNAL when LevelDB fails to open
   */
  async get(device: string): Promise<DeviceDb> {
    const root = await this.devices.root(device);
    let p = this.open.get(device);
    if (!p) {
      p = openDeviceDb(join(root, 'meta.db'));
      this.open.set(device, p);
      p.catch(() => this.open.delete(device));
    }
    return p;
  }

  /** @throws NOT_MOUNTED, NO_SPACE when the device's free space is below the reserve */
  async checkWritable(device: string): Promise<void> {
    await this.devices.writableRoot(device);
  }

  /** Devices whose database is open (workers walk these). */
  openDevices(): string[] {
    return [...this.open.keys()];
  }

  async close(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map(async (p) => (await p.catch(() => undefined))?.db.close()));
  }
}

async function openDeviceDb(path: string): Promise<DeviceDb> {
  const db = new Level<string, unknown>(path, { valueEncoding: 'json' });
  try {
    await db.open();
  } catch (err) {
    throw new StoreError('INTERNAL', `Cannot open metadata database "${path}"`, { cause: err });
  }
  memoizeSublevels(db);
  const space = <V>(name: string) => db.sublevel<string, V>(name, { valueEncoding: 'json' }) as unknown as Space<V>;
  return {
    db,
    objectRows: space<ObjectRowValue>('crow'),
    containers: space<ContainerRecord>('cont'),
    dirty: space<string>('dirty'),
    containerRows: space<ContainerRowValue>('arow'),
    accounts: space<AccountRecord>('acct'),
    journal: space<JournalEntry>('journal'),
  };
}

/**
 * Makes `db.sublevel(name, options)` return one instance per name and options. abstract-level
 * keeps every sublevel it ever created attached to its parent until the database closes, so code
 * that asks for a sublevel per call (the suffix-hash cache did, on every request) grew the heap
 * without bound: ~2,200 sublevels, each with its hooks, queues and encodings, every 3 minutes
 * of mixed load on one node.
 */
function memoizeSublevels(db: Level<string, unknown>): void {
  const made = new Map<string, unknown>();
  const create = db.sublevel.bind(db) as (name: string, options?: object) => unknown;
  const memo = (name: string, options?: object): unknown => {
    const key = `${name}\u0000${JSON.stringify(options ?? {})}`;
    let sub = made.get(key);
    if (!sub) {
      sub = create(name, options);
      made.set(key, sub);
    }
    return sub;
  };
  (db as unknown as { sublevel: typeof memo }).sublevel = memo;
}
