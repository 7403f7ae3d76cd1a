/**
 * The operator's one-line device notation, as swift-ring-builder writes it:
 *   r<region>z<zone>-<ip>:<port>/<device> <weight> [meta...]
 * e.g. "r1z2-10.0.0.5:6200/sdb 100 rack 7". IPv6 addresses go in brackets: "[::1]:6200".
 */
import { StoreError } from '../common/index.js';
import type { Device } from './device.js';

const SPEC = /^r(\d+)z(\d+)-(\[[0-9a-fA-F:.]+\]|[^:/\s]+):(\d+)\/([^\s]+)$/;

/**
 * Parses one device line. `where` names the source in messages ("devices.txt:3").
 * @throws INVALID_ARGUMENT when the line does not match the notation
 */
export function parseDeviceSpec(line: string, where: string): Omit<Device, 'id'> {
  const [spec = '', weight, ...meta] = line.trim().split(/\s+/);
  const m = SPEC.exec(spec);
  if (!m) throw new StoreError('INVALID_ARGUMENT', `Cannot parse device "${spec}" at ${where}: expected r<region>z<zone>-<ip>:<port>/<device> <weight>`);
  if (weight === undefined || !/^\d+(\.\d+)?$/.test(weight)) {
    throw new StoreError('INVALID_ARGUMENT', `Cannot parse device "${spec}" at ${where}: weight "${weight ?? ''}" is not a number >= 0`);
  }
  return {
    region: Number(m[1]), zone: Number(m[2]), ip: m[3]!.replace(/^\[|\]$/g, ''), port: Number(m[4]), device: m[5]!,
    weight: Number(weight), meta: meta.join(' '),
  };
}
