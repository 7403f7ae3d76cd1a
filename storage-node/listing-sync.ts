/**
 * Listing replication on one device's LevelDB: a digest per container (record timestamps,
 * timed metadata, and every row's name, timestamp and deleted flag) or per account (metadata and
 * container rows), the full state of one of them as MergeListing messages (rows in batches), and
 * merging such a message newest-wins through the stores. Counts are left out of digests: each
 * replica derives them from its rows.
 */
import { createHash } from 'node:crypto';
import { StoreError, isTimestamp } from '../common/index.js';
import type { MergeListingRequestMsg, ObjectRowMsg, ContainerRowMsg, TimedValueMsg } from '../cluster/index.js';
import { partKey, type DeviceDb, type TimedValue } from './meta-db.js';
import type { ContainerStore } from './container-store.js';
import type { AccountStore } from './account-store.js';

export type ListingKind = 'container' | 'account';

/** Rows per MergeListing message. */
export const MERGE_BATCH_ROWS = 2000;

function range(partition: number): { gte: string; lt: string } {
  const pk = partKey(partition);
  return { gte: `${pk}:`, lt: `${pk};` };
}

/** Partitions that hold containers (or accounts) on a device. */
export async function listingPartitions(d: DeviceDb, kind: ListingKind): Promise<number[]> {
  const space = kind === 'container' ? d.containers : d.accounts;
  const out = new Set<number>();
  for await (const key of space.keys()) out.add(parseInt(key.slice(0, 8), 16));
  return [...out].sort((a, b) => a - b);
}

function metaText(m: Record<string, TimedValue>): string {
  return JSON.stringify(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Digest per container ("<account>\0<container>") or account of a partition. */
export async function listingDigests(d: DeviceDb, partition: number, kind: ListingKind): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (kind === 'container') {
    for await (const [key, rec] of d.containers.iterator(range(partition))) {
      const h = createHash('md5').update(`${rec.putTimestamp}|${rec.deleteTimestamp}|${metaText(rec.metadata)}`);
      for await (const [rk, row] of d.objectRows.iterator({ gte: `${key}\0`, lt: `${key}\x01` })) {
        h.update(`\n${rk.slice(key.length + 1)}|${row.timestamp}|${row.deleted ? 1 : 0}`);
      }
      out.set(key.slice(9), h.digest('hex'));
    }
  } else {
    for await (const [key, rec] of d.accounts.iterator(range(partition))) {
      const h = createHash('md5').update(metaText(rec.metadata));
      for await (const [rk, row] of d.containerRows.iterator({ gte: `${key}\0`, lt: `${key}\x01` })) {
        h.update(`\n${rk.slice(key.length + 1)}|${row.putTimestamp}|${row.deleteTimestamp}|${row.statsTimestamp}`);
      }
      out.set(key.slice(9), h.digest('hex'));
    }
  }
  return out;
}

function splitName(name: string): { account: string; container: string } {
  const i = name.indexOf('\0');
  return i < 0 ? { account: name, container: '' } : { account: name.slice(0, i), container: name.slice(i + 1) };
}

/** The state of one container or account as MergeListing messages (at least one). */
export async function* readListing(d: DeviceDb, device: string, partition: number, kind: ListingKind, name: string): AsyncGenerator<MergeListingRequestMsg> {
  const { account, container } = splitName(name);
  const key = `${partKey(partition)}:${name}`;
  const base = { device, partition, kind, account, container };
  const metadata: Record<string, TimedValueMsg> = {};
  let putTimestamp = '';
  let deleteTimestamp = '';
  if (kind === 'container') {
    const rec = await d.containers.get(key);
    if (!rec) return;
    putTimestamp = rec.putTimestamp;
    deleteTimestamp = rec.deleteTimestamp;
    for (const [k, [value, timestamp]] of Object.entries(rec.metadata)) metadata[k] = { value, timestamp };
  } else {
    const rec = await d.accounts.get(key);
    if (!rec) return;
    for (const [k, [value, timestamp]] of Object.entries(rec.metadata)) metadata[k] = { value, timestamp };
  }
  const head = { ...base, putTimestamp, deleteTimestamp, metadata };
  let objectRows: ObjectRowMsg[] = [];
  let containerRows: ContainerRowMsg[] = [];
  let sent = false;
  if (kind === 'container') {
    for await (const [rk, row] of d.objectRows.iterator({ gte: `${key}\0`, lt: `${key}\x01` })) {
      objectRows.push({ name: rk.slice(key.length + 1), ...row });
      if (objectRows.length >= MERGE_BATCH_ROWS) {
        yield { ...head, objectRows, containerRows: [] };
        sent = true;
        objectRows = [];
      }
    }
  } else {
    for await (const [rk, row] of d.containerRows.iterator({ gte: `${key}\0`, lt: `${key}\x01` })) {
      containerRows.push({ name: rk.slice(key.length + 1), ...row });
      if (containerRows.length >= MERGE_BATCH_ROWS) {
        yield { ...head, objectRows: [], containerRows };
        sent = true;
        containerRows = [];
      }
    }
  }
  if (!sent || objectRows.length > 0 || containerRows.length > 0) yield { ...head, objectRows, containerRows };
}

function timed(m: Record<string, TimedValueMsg>): Record<string, TimedValue> {
  const out: Record<string, TimedValue> = {};
  for (const [k, v] of Object.entries(m ?? {})) {
    if (!isTimestamp(v.timestamp)) throw new StoreError('INVALID_ARGUMENT', `Cannot merge metadata "${k}": bad timestamp "${v.timestamp}"`);
    out[k] = [v.value ?? '', v.timestamp];
  }
  return out;
}

function optionalTimestamp(ts: string, what: string): string {
  if (ts && !isTimestamp(ts)) throw new StoreError('INVALID_ARGUMENT', `Cannot merge ${what}: bad timestamp "${ts}"`);
  return ts ?? '';
}

/**
 * Merges a replica's container or account state into the local stores, newest wins.
 * @throws INVALID_ARGUMENT (bad kind, names or timestamps), NOT_MOUNTED
 */
export async function mergeListing(req: MergeListingRequestMsg, stores: { containers: ContainerStore; accounts: AccountStore }, partition: number): Promise<void> {
  if (req.kind === 'container') {
    const ref = { device: req.device, partition, account: req.account, container: req.container };
    await stores.containers.mergeRecord(ref, optionalTimestamp(req.putTimestamp, 'container'), optionalTimestamp(req.deleteTimestamp, 'container'), timed(req.metadata));
    if (req.objectRows.length > 0) await stores.containers.updateRows(ref, req.objectRows);
  } else if (req.kind === 'account') {
    const ref = { device: req.device, partition, account: req.account };
    await stores.accounts.mergeMetadata(ref, timed(req.metadata));
    if (req.containerRows.length > 0) await stores.accounts.updateRows(ref, req.containerRows);
  } else {
    throw new StoreError('INVALID_ARGUMENT', `Cannot merge listing of kind "${req.kind}"`);
  }
}

/** Removes a container (record, rows, dirty mark) or an account (record, rows) from a device. */
export async function dropListing(d: DeviceDb, partition: number, kind: ListingKind, name: string): Promise<void> {
  const key = `${partKey(partition)}:${name}`;
  const batch = d.db.batch();
  if (kind === 'container') {
    for await (const rk of d.objectRows.keys({ gte: `${key}\0`, lt: `${key}\x01` })) batch.del(rk, { sublevel: d.objectRows });
    batch.del(key, { sublevel: d.containers });
    batch.del(key, { sublevel: d.dirty });
  } else {
    for await (const rk of d.containerRows.keys({ gte: `${key}\0`, lt: `${key}\x01` })) batch.del(rk, { sublevel: d.containerRows });
    batch.del(key, { sublevel: d.accounts });
  }
  await batch.write({ sync: true });
}
