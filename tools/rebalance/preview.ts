/**
 * The rebalance preview: per source device and per destination device, the partition-replicas
 * and bytes that will move, the totals and the estimated time at the cluster-wide movement rate.
 * Pure: bytes come from the source nodes' partition usage, gathered beforehand (source-usage.ts).
 * Listing partitions (account and container rings) are counted, not weighed.
 */
import { NO_DEVICE, type Device } from '../../ring/index.js';
import type { MovementControl } from '../movement/movement-files.js';
import { deviceKey, nodeAddress } from './ring-set.js';
import type { RingPlan } from './rebalance-plan.js';

/** Bytes per object partition, by disk ("ip:port/device" -> partition -> bytes). */
export type PartitionBytesIndex = Map<string, Map<number, number>>;

export interface DeviceMoves {
  /** "ip:port/device". */
  device: string;
  /** Node id (device meta) or "ip:port". */
  node: string;
  partitions: number;
  bytes: number;
  listingPartitions: number;
}

export interface MoveTotals {
  /** Object partition-replicas. */
  partitions: number;
  bytes: number;
  /** Account and container partition-replicas. */
  listingPartitions: number;
}

export interface RingChange {
  name: string;
  fromVersion: number;
  toVersion: number;
  moves: number;
  changed: boolean;
}

export interface Preview {
  rings: RingChange[];
  /** Devices data leaves, most bytes first. */
  sources: DeviceMoves[];
  /** Devices data arrives on, most bytes first. */
  destinations: DeviceMoves[];
  total: MoveTotals;
  /** Object partition-replicas whose bytes are unknown (source node did not report usage). */
  unknownBytes: number;
  maxBytesPerSec: number;
  paused: boolean;
  /** Estimated time at the configured rate; undefined when the rate is unlimited or nothing moves. */
  estimateMs: number | undefined;
}

function row(rows: Map<string, DeviceMoves>, d: Device | undefined): DeviceMoves | undefined {
  if (!d) return undefined;
  const key = deviceKey(d);
  let r = rows.get(key);
  if (!r) {
    r = { device: key, node: d.meta || nodeAddress(d), partitions: 0, bytes: 0, listingPartitions: 0 };
    rows.set(key, r);
  }
  return r;
}

const order = (a: DeviceMoves, b: DeviceMoves): number =>
  b.bytes - a.bytes || b.partitions - a.partitions || b.listingPartitions - a.listingPartitions || a.device.localeCompare(b.device);

/**
 * Builds the preview of the plans.
 * @param usage bytes per partition on the source disks
 * @param unknownNodes source nodes ("ip:port") whose usage could not be read
 */
export function buildPreview(plans: RingPlan[], usage: PartitionBytesIndex, unknownNodes: ReadonlySet<string>, control: MovementControl): Preview {
  const sources = new Map<string, DeviceMoves>();
  const destinations = new Map<string, DeviceMoves>();
  const total: MoveTotals = { partitions: 0, bytes: 0, listingPartitions: 0 };
  let unknownBytes = 0;
  for (const p of plans) {
    const isObject = p.name === 'object';
    const { diff } = p;
    for (let i = 0; i < diff.moveCount; i++) {
      const fromId = diff.moveFrom[i]!;
      const from = fromId === NO_DEVICE ? undefined : p.oldDevices[fromId];
      const to = p.newDevices[diff.moveTo[i]!];
      const src = row(sources, from);
      const dst = row(destinations, to);
      if (!isObject) {
        total.listingPartitions++;
        if (src) src.listingPartitions++;
        if (dst) dst.listingPartitions++;
        continue;
      }
      let bytes = 0;
      if (from && unknownNodes.has(nodeAddress(from))) unknownBytes++;
      else if (from) bytes = usage.get(deviceKey(from))?.get(diff.movePart[i]!) ?? 0;
      total.partitions++;
      total.bytes += bytes;
      if (src) { src.partitions++; src.bytes += bytes; }
      if (dst) { dst.partitions++; dst.bytes += bytes; }
    }
  }
  const rate = control.maxBytesPerSec;
  return {
    rings: plans.map((p) => ({ name: p.name, fromVersion: p.oldVersion, toVersion: p.changed ? p.builder.version : p.oldVersion,
      moves: p.diff.moveCount, changed: p.changed })),
    sources: [...sources.values()].sort(order),
    destinations: [...destinations.values()].sort(order),
    total, unknownBytes, maxBytesPerSec: rate, paused: control.paused,
    estimateMs: rate > 0 && total.bytes > 0 ? Math.ceil((total.bytes / rate) * 1000) : undefined,
  };
}

/** Object disks whose partition usage the preview needs: sources of object moves, by node address. */
export function usageSources(plans: RingPlan[]): Map<string, { ip: string; port: number; devices: Set<string> }> {
  const out = new Map<string, { ip: string; port: number; devices: Set<string> }>();
  for (const p of plans) {
    if (p.name !== 'object') continue;
    for (let i = 0; i < p.diff.moveCount; i++) {
      const id = p.diff.moveFrom[i]!;
      const d = id === NO_DEVICE ? undefined : p.oldDevices[id];
      if (!d) continue;
      const key = nodeAddress(d);
      const entry = out.get(key) ?? { ip: d.ip, port: d.port, devices: new Set<string>() };
      entry.devices.add(d.device);
      out.set(key, entry);
    }
  }
  return out;
}
