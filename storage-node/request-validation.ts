/**
 * Checks of what peers send, at the gRPC edge, so that bad input is INVALID_ARGUMENT and never a
 * crash or a file outside the device: device names are plain folder names, partitions lie within
 * the ring, names are non-empty, within limits and free of NUL, timestamps are well formed.
 * Object names may contain "/" and ".." segments (Swift allows them): they only ever feed the
 * path hash, never a file path.
 */
import { StoreError, isTimestamp } from '../common/index.js';
import type { TargetMsg } from '../cluster/index.js';

export const MAX_ACCOUNT_BYTES = 256;
export const MAX_CONTAINER_BYTES = 256;
export const MAX_OBJECT_BYTES = 1024;

/** Partitions per ring kind, when the ring is loaded (undefined: not checked). */
export type PartCountOf = (kind: 'account' | 'container' | 'object') => number | undefined;

function bad(message: string): StoreError {
  return new StoreError('INVALID_ARGUMENT', message);
}

export function checkDevice(device: unknown): string {
  if (typeof device !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(device) || device === '.' || device === '..') {
    throw bad(`Cannot use device "${String(device)}": bad name`);
  }
  return device;
}

export function checkPartition(partition: unknown, kind: 'account' | 'container' | 'object', partCount: PartCountOf): number {
  const count = partCount(kind);
  if (typeof partition !== 'number' || !Number.isInteger(partition) || partition < 0 || (count !== undefined && partition >= count)) {
    throw bad(`Cannot use partition "${String(partition)}" of the ${kind} ring`);
  }
  return partition;
}

export function checkName(value: unknown, what: 'account' | 'container' | 'object'): string {
  const max = what === 'object' ? MAX_OBJECT_BYTES : what === 'container' ? MAX_CONTAINER_BYTES : MAX_ACCOUNT_BYTES;
  if (typeof value !== 'string' || value.length === 0) throw bad(`Cannot use ${what} name: empty`);
  if (value.includes('\0')) throw bad(`Cannot use ${what} name "${value.replace(/\0/g, '\\0')}": NUL character`);
  if (Buffer.byteLength(value) > max) throw bad(`Cannot use ${what} name: longer than ${max} bytes`);
  if (what !== 'object' && (value.includes('/') || value === '.' || value === '..')) throw bad(`Cannot use ${what} name "${value}"`);
  return value;
}

export function checkTimestamp(ts: unknown): string {
  if (!isTimestamp(ts)) throw bad(`Cannot use timestamp "${String(ts)}"`);
  return ts;
}

export function checkMetadata(md: unknown): Record<string, string> {
  if (md === undefined || md === null) return {};
  if (typeof md !== 'object') throw bad('Cannot use metadata: not a map');
  return md as Record<string, string>;
}

export function checkTargets(targets: unknown): TargetMsg[] {
  if (targets === undefined || targets === null) return [];
  if (!Array.isArray(targets)) throw bad('Cannot use update targets: not a list');
  for (const t of targets as TargetMsg[]) {
    if (!t || typeof t.ip !== 'string' || !t.ip || !(t.port > 0 && t.port < 65536)) throw bad('Cannot use update target: bad address');
    checkDevice(t.device);
  }
  return targets as TargetMsg[];
}
