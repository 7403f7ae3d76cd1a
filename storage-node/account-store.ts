/**
 * AccountStore: account records and their container listings in the device's LevelDB. Rows come
 * from container nodes (updateRows); per container the newest put/delete timestamps win and the
 * counts with the newest statsTimestamp win. Account totals are kept incrementally in the
 * account record in the same batch. Accounts are created on first update or POST; HEAD of an
 * account this device never heard of answers NOT_FOUND (the cluster client reads that as an
 * empty account).
 */
import { StoreError, isTimestamp } from '../common/index.js';
import { KeyLock } from './key-lock.js';
import { listSpace, type ListOptions } from './listing.js';
import { mergeTimedMetadata, visibleMetadata } from './timed-metadata.js';
import { partKey, type MetaDbs, type DeviceDb, type AccountRecord, type ContainerRowValue, type TimedValue } from './meta-db.js';

export interface AccountKey { device: string; partition: number; account: string }
export type ContainerRow = ContainerRowValue & { name: string };
export type AccountListEntry = { container: ContainerRow } | { subdir: string };

export interface AccountInfo {
  containerCount: number;
  objectCount: number;
  bytesUsed: number;
  metadata: Record<string, string>;
}

function accountKey(ref: AccountKey): string {
  return `${partKey(ref.partition)}:${ref.account}`;
}

const empty = (): AccountRecord => ({ metadata: {}, containerCount: 0, objectCount: 0, bytesUsed: 0 });

export class AccountStore {
  private readonly locks = new KeyLock();

  constructor(private readonly dbs: MetaDbs) {}

  /** @throws NOT_FOUND, NOT_MOUNTED */
  async head(ref: AccountKey): Promise<AccountInfo> {
    checkName(ref);
    const d = await this.dbs.get(ref.device);
    const rec = await d.accounts.get(accountKey(ref));
    if (!rec) throw new StoreError('NOT_FOUND', `Cannot find account "${ref.account}"`);
    return { containerCount: rec.containerCount, objectCount: rec.objectCount, bytesUsed: rec.bytesUsed, metadata: visibleMetadata(rec.metadata) };
  }

  /** Merges metadata (empty value removes), creating the account. @throws INVALID_ARGUMENT, NOT_MOUNTED */
  async post(ref: AccountKey, timestamp: string, metadata: Record<string, string>): Promise<void> {
    if (!isTimestamp(timestamp)) throw new StoreError('INVALID_ARGUMENT', `Cannot use timestamp "${timestamp}"`);
    await this.withRecord(ref, async (d, key, rec) => {
      const next = rec ?? empty();
      mergeTimedMetadata(next.metadata, metadata, timestamp);
      await d.db.batch().put(key, next, { sublevel: d.accounts }).write({ sync: true });
    });
  }

  /** Merges a replica's timed metadata (listing replication), creating the account. @throws INVALID_ARGUMENT, NOT_MOUNTED */
  async mergeMetadata(ref: AccountKey, metadata: Record<string, TimedValue>): Promise<void> {
    await this.withRecord(ref, async (d, key, rec) => {
      const next = rec ?? empty();
      let changed = rec === undefined;
      for (const [k, [value, ts]] of Object.entries(metadata)) {
        if (mergeTimedMetadata(next.metadata, { [k]: value }, ts)) changed = true;
      }
      if (changed) await d.db.batch().put(key, next, { sublevel: d.accounts }).write({ sync: true });
    });
  }

  /** Applies container rows, creating the account. @throws INVALID_ARGUMENT, NOT_MOUNTED */
  async updateRows(ref: AccountKey, rows: ContainerRow[]): Promise<void> {
    for (const row of rows) {
      if (!row.name || row.name.includes('\0')) throw new StoreError('INVALID_ARGUMENT', `Cannot update account "${ref.account}": bad container name`);
    }
    await this.withRecord(ref, async (d, key, rec) => {
      const next = rec ?? empty();
      const rowKeys = rows.map((r) => `${key}\0${r.name}`);
      const old = await d.containerRows.getMany(rowKeys);
      const batch = d.db.batch();
      rows.forEach((row, i) => {
        const prev = old[i];
        const merged: ContainerRowValue = prev ? { ...prev } : { objectCount: 0, bytesUsed: 0, putTimestamp: '', deleteTimestamp: '', statsTimestamp: '', deleted: false };
        if (row.putTimestamp > merged.putTimestamp) merged.putTimestamp = row.putTimestamp;
        if (row.deleteTimestamp > merged.deleteTimestamp) merged.deleteTimestamp = row.deleteTimestamp;
        if (row.statsTimestamp >= merged.statsTimestamp) {
          merged.statsTimestamp = row.statsTimestamp;
          merged.objectCount = row.objectCount;
          merged.bytesUsed = row.bytesUsed;
        }
        merged.deleted = merged.deleteTimestamp > merged.putTimestamp;
        if (prev && !prev.deleted) { next.containerCount -= 1; next.objectCount -= prev.objectCount; next.bytesUsed -= prev.bytesUsed; }
        if (!merged.deleted) { next.containerCount += 1; next.objectCount += merged.objectCount; next.bytesUsed += merged.bytesUsed; }
        batch.put(rowKeys[i] as string, merged, { sublevel: d.containerRows });
      });
      batch.put(key, next, { sublevel: d.accounts });
      await batch.write();
    });
  }

  /** Containers of the account (deleted ones left out). An unknown account lists empty. @throws NOT_MOUNTED */
  async list(ref: AccountKey, opts: ListOptions): Promise<AccountListEntry[]> {
    checkName(ref);
    const d = await this.dbs.get(ref.device);
    const listed = await listSpace(d.containerRows, `${accountKey(ref)}\0`, opts, (v) => !v.deleted);
    return listed.map((e) => ('subdir' in e ? e : { container: { name: e.name, ...e.value } }));
  }

  private async withRecord<T>(ref: AccountKey, fn: (d: DeviceDb, key: string, rec: AccountRecord | undefined) => Promise<T>): Promise<T> {
    checkName(ref);
    const d = await this.dbs.get(ref.device);
    const key = accountKey(ref);
    return this.locks.with(`${ref.device}/${key}`, async () => fn(d, key, await d.accounts.get(key)));
  }
}

function checkName(ref: AccountKey): void {
  if (!ref.account || ref.account.includes('\0')) throw new StoreError('INVALID_ARGUMENT', 'Cannot use account: empty name or NUL in name');
}
