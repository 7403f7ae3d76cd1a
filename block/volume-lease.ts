/**
 * Volume leases: the exclusive right of one gateway to write a volume, held in a consensus
 * register per volume ("lease/<volumeId>") with an expiry, so a dead gateway's volume can be
 * attached elsewhere once its lease runs out. The same register carries snapshot requests for an
 * attached volume: only the writer can freeze its layer at a consistent point.
 */
import { StoreError } from '../common/index.js';

export interface SnapshotRequest {
  /** Request id chosen by the requester. */
  id: string;
  name: string;
  /** Set by the gateway once done: the snapshot id, or an error message. */
  doneSnapshotId?: string;
  error?: string;
  errorCode?: string;
}

export interface LeaseValue {
  holder: string;
  expiresAtMs: number;
  requests: SnapshotRequest[];
}

export function leaseKey(volumeId: string): string {
  return `lease/${volumeId}`;
}

export function parseLease(text: string | undefined): LeaseValue | undefined {
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text) as LeaseValue;
    return { holder: v.holder, expiresAtMs: v.expiresAtMs, requests: Array.isArray(v.requests) ? v.requests : [] };
  } catch {
    return undefined;
  }
}

/** True when someone holds the lease at `nowMs`. */
export function isLive(lease: LeaseValue | undefined, nowMs: number): lease is LeaseValue {
  return lease !== undefined && lease.holder !== '' && lease.expiresAtMs > nowMs;
}

/**
 * Takes or renews a lease for `holder`. @throws IN_USE when another holder's lease is live
 */
export function takeLease(current: LeaseValue | undefined, holder: string, nowMs: number, ttlMs: number, volumeName: string): LeaseValue {
  if (isLive(current, nowMs) && current.holder !== holder) {
    const secs = Math.ceil((current.expiresAtMs - nowMs) / 1000);
    throw new StoreError('IN_USE', `Cannot attach volume "${volumeName}" for writing: in use by gateway "${current.holder}" (lease valid ${secs} s more)`);
  }
  const requests = current && current.holder === holder ? current.requests : [];
  return { holder, expiresAtMs: nowMs + ttlMs, requests };
}
