/**
 * Where an object should be and where it is: its partition, each primary and handoff device, and
 * what each of those devices actually holds (HEAD on every one, in parallel). Used by
 * `strata object locate` and by health tools; read-only.
 */
import { StoreError } from '../common/index.js';
import type { NodeClientPool } from './node-client-pool.js';
import { ringPath, type PlacementRing, type RingDevice } from './placement.js';

export interface ReplicaReport {
  device: RingDevice;
  role: 'primary' | 'handoff';
  /** Replica index for a primary, handoff order for a handoff. */
  index: number;
  state: 'found' | 'missing' | 'error';
  /** For `error` (unreachable, timeout, not mounted...) and `missing` (NOT_FOUND). */
  errorCode?: string;
  error?: string;
  timestamp?: string;
  metaTimestamp?: string;
  size?: number;
  etag?: string;
  checksum?: string;
  contentType?: string;
  /** The replica's file as the node reports it; absent when the node does not say. */
  dataPath?: string;
}

export interface LocateReport {
  path: string;
  ringVersion: number;
  partition: number;
  replicaCount: number;
  replicas: ReplicaReport[];
}

/**
 * Splits "/account/container/object" (the object may contain slashes).
 * @throws INVALID_ARGUMENT when a part is missing
 */
export function parseObjectPath(path: string): { account: string; container: string; object: string } {
  const m = /^\/?([^/]+)\/([^/]+)\/(.+)$/.exec(path);
  if (!m) throw new StoreError('INVALID_ARGUMENT', `Cannot parse object path "${path}": expected /account/container/object`);
  return { account: m[1] as string, container: m[2] as string, object: m[3] as string };
}

/**
 * Asks the primaries and the first `handoffs` handoffs of an object's partition what they hold.
 * @throws INVALID_ARGUMENT for a malformed path
 */
export async function locateObject(
  ring: PlacementRing, pool: NodeClientPool, path: string, opts: { handoffs?: number; timeoutMs?: number } = {},
): Promise<LocateReport> {
  const { account, container, object } = parseObjectPath(path);
  const partition = ring.partOf(ringPath(account, container, object));
  const devices: Array<{ device: RingDevice; role: 'primary' | 'handoff'; index: number }> =
    ring.primaries(partition).map((device, index) => ({ device, role: 'primary', index }));
  const wanted = opts.handoffs ?? ring.replicaCount;
  let h = 0;
  for (const device of ring.handoffs(partition)) {
    if (h >= wanted) break;
    devices.push({ device, role: 'handoff', index: h++ });
  }
  const replicas = await Promise.all(devices.map(async (d): Promise<ReplicaReport> => {
    try {
      const res = await pool.get(d.device.ip, d.device.port).headObject(
        { device: d.device.device, partition, account, container, object }, { timeoutMs: opts.timeoutMs });
      const m = res.meta;
      return {
        ...d, state: 'found', timestamp: m.timestamp, metaTimestamp: m.metaTimestamp, size: m.size, etag: m.etag,
        checksum: m.checksum, contentType: m.contentType, dataPath: res.dataPath || undefined,
      };
    } catch (err) {
      const e = err instanceof StoreError ? err : new StoreError('INTERNAL', String(err));
      return { ...d, state: e.code === 'NOT_FOUND' ? 'missing' : 'error', errorCode: e.code, error: e.message };
    }
  }));
  return { path: `/${account}/${container}/${object}`, ringVersion: ring.version, partition, replicaCount: ring.replicaCount, replicas };
}
