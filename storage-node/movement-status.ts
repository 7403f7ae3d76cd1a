/**
 * What MovementStatus and PartitionUsage report: per device its fill (statfs), the object
 * partitions it holds (PartitionUsageCache) and which of them are handoffs under the rings in
 * use (still to move), the container/account partitions still to move, plus the node's
 * movement control and counters. Cheap enough to poll every second: no folder is walked unless
 * it changed (see PartitionUsageCache), listings cost one LevelDB seek per partition held.
 */
import { statfs } from 'node:fs/promises';
import type { Ring, Device } from '../ring/index.js';
import type { DeviceUsageMsg, MovementStatusResponseMsg, PartitionBytesMsg } from '../cluster/index.js';
import type { Devices } from './devices.js';
import { partKey, type MetaDbs, type Space } from './meta-db.js';
import type { PartitionUsageCache } from './partition-usage.js';
import type { NodeRings } from './node-rings.js';
import type { Movement } from './movement.js';
import { checkDevice } from './request-validation.js';

export interface MovementStatusDeps {
  nodeId: string;
  devices: Devices;
  dbs: MetaDbs;
  usage: PartitionUsageCache;
  rings: NodeRings;
  /** Whether a ring device is this node's. */
  isLocal: (dev: Device) => boolean;
  movement: Movement;
}

/** Partitions holding at least one key of a listing space: one seek per partition. */
async function keyPartitions(space: Space<unknown>): Promise<number[]> {
  const out: number[] = [];
  let from = '';
  for (let i = 0; i < 1 << 24; i++) {
    const [key] = await space.keys({ gte: from, limit: 1 }).all();
    if (key === undefined) break;
    const p = parseInt(key.slice(0, 8), 16);
    if (!Number.isInteger(p)) break;
    out.push(p);
    from = `${partKey(p)};`; // ';' sorts right after ':', the separator after the partition
  }
  return out;
}

function isHandoff(ring: Ring, device: string, partition: number, isLocal: (d: Device) => boolean): boolean {
  return partition >= ring.partCount || !ring.primaries(partition).some((p) => p.device === device && isLocal(p));
}

async function deviceUsage(deps: MovementStatusDeps, device: string): Promise<DeviceUsageMsg> {
  const out: DeviceUsageMsg = {
    device, mounted: false, capacityBytes: 0, usedBytes: 0, freeBytes: 0, objectBytes: 0, objectFiles: 0, objectPartitions: 0,
    handoffPartitions: 0, handoffBytes: 0, handoffFiles: 0, listingHandoffPartitions: 0,
  };
  const root = await deps.devices.root(device).catch(() => undefined);
  if (!root) return out;
  const fs = await statfs(root);
  Object.assign(out, { mounted: true, capacityBytes: fs.blocks * fs.bsize, usedBytes: (fs.blocks - fs.bfree) * fs.bsize, freeBytes: fs.bavail * fs.bsize });
  const ring = deps.rings.get('object');
  for (const [partition, u] of await deps.usage.usage(device)) {
    out.objectPartitions += 1;
    out.objectBytes += u.bytes;
    out.objectFiles += u.files;
    if (ring && isHandoff(ring, device, partition, deps.isLocal)) {
      out.handoffPartitions += 1;
      out.handoffBytes += u.bytes;
      out.handoffFiles += u.files;
    }
  }
  const d = await deps.dbs.get(device).catch(() => undefined);
  for (const kind of ['container', 'account'] as const) {
    const lring = deps.rings.get(kind);
    if (!d || !lring) continue;
    const space = (kind === 'container' ? d.containers : d.accounts) as Space<unknown>;
    for (const p of await keyPartitions(space)) if (isHandoff(lring, device, p, deps.isLocal)) out.listingHandoffPartitions += 1;
  }
  return out;
}

/** The MovementStatus answer. */
export async function movementStatus(deps: MovementStatusDeps): Promise<MovementStatusResponseMsg> {
  const devices = await Promise.all(deps.devices.list.map((d) => deviceUsage(deps, d.name)));
  const m = deps.movement;
  return {
    nodeId: deps.nodeId, ringVersions: deps.rings.versions(), devices, control: m.control,
    ...m.counters, startedMs: m.startedMs, clientRequestsInFlight: m.clientRequestsInFlight,
  };
}

/**
 * Bytes and files of every object partition held with at least one file, on one device or
 * ('') on every mounted device.
 * @throws INVALID_ARGUMENT (bad device name), NOT_MOUNTED (the named device)
 */
export async function partitionUsage(deps: MovementStatusDeps, device: string): Promise<PartitionBytesMsg[]> {
  const names = device === '' ? deps.devices.list.map((d) => d.name) : [checkDevice(device)];
  const out: PartitionBytesMsg[] = [];
  for (const name of names) {
    const usage = device === '' ? await deps.usage.usage(name).catch(() => undefined) : await deps.usage.usage(name);
    for (const [partition, u] of usage ?? []) out.push({ device: name, partition, bytes: u.bytes, files: u.files });
  }
  return out;
}
