/**
 * A device (one disk) in a ring, and the checks every device must pass before the builder accepts
 * it. Failure domains are nested: region > zone > server (ip) > device.
 */
import { StoreError } from '../common/index.js';

/** One disk of one storage node. `weight` is relative capacity (0 = drain it). */
export interface Device {
  id: number;
  region: number;
  zone: number;
  ip: string;
  port: number;
  device: string;
  weight: number;
  meta: string;
}

/** Device ids are stored in 16-bit tables; 0xffff marks an unassigned replica. */
export const MAX_DEVICE_ID = 0xfffe;
export const NO_DEVICE = 0xffff;

/**
 * Checks the fields of a device, without looking at other devices.
 * @throws INVALID_ARGUMENT naming the first bad field
 */
export function checkDevice(d: Device): void {
  const bad = (what: string): never => {
    throw new StoreError('INVALID_ARGUMENT', `Cannot accept device "${d.ip}:${d.port}/${d.device}": ${what}`);
  };
  if (!Number.isInteger(d.id) || d.id < 0 || d.id > MAX_DEVICE_ID) bad(`id "${d.id}" is not an integer in 0..${MAX_DEVICE_ID}`);
  if (!Number.isInteger(d.region) || d.region < 0) bad(`region "${d.region}" is not a non-negative integer`);
  if (!Number.isInteger(d.zone) || d.zone < 0) bad(`zone "${d.zone}" is not a non-negative integer`);
  if (typeof d.ip !== 'string' || d.ip.length === 0 || /\s/.test(d.ip)) bad(`ip "${d.ip}" is empty or has spaces`);
  if (!Number.isInteger(d.port) || d.port < 1 || d.port > 65535) bad(`port "${d.port}" is not in 1..65535`);
  if (typeof d.device !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(d.device)) bad(`device name "${d.device}" must be 1-64 of A-Z a-z 0-9 . _ -`);
  if (typeof d.weight !== 'number' || !Number.isFinite(d.weight) || d.weight < 0) bad(`weight "${d.weight}" is not a finite number >= 0`);
  if (typeof d.meta !== 'string') bad('meta is not a string');
}

/** "r1z2-10.0.0.1:6200/sdb", the way operators name a device in messages. */
export function deviceLabel(d: Device): string {
  return `d${d.id} r${d.region}z${d.zone}-${d.ip}:${d.port}/${d.device}`;
}
