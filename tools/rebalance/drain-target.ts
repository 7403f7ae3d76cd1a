/**
 * resolveTarget: what an operator means by NODE or DEVICE in `drain` and `remove-node`: a node id
 * as stored in device meta ("n3"), a node address ("10.0.0.3:6200") or one disk
 * ("10.0.0.3:6200/d1"), looked up in the account, container and object builders.
 */
import { StoreError } from '../../common/index.js';
import type { Device, RingBuilder } from '../../ring/index.js';
import { deviceKey, nodeAddress } from './ring-set.js';

export interface Target {
  /** How messages name it: the node id (meta) when there is one, else what was typed. */
  label: string;
  kind: 'node' | 'device';
  /** "ip:port/device" of every matching disk. */
  deviceKeys: string[];
  /** "ip:port" of the storage nodes holding them. */
  addresses: string[];
}

/** Live devices of a builder (devices pending removal are gone already for this purpose). */
export function builderDevices(b: RingBuilder): Device[] {
  return b.devices.filter((d): d is Device => d !== undefined && !b.pendingRemoval.includes(d.id));
}

/**
 * Finds the devices `spec` names in any of the device lists.
 * @throws NOT_FOUND when nothing matches; INVALID_ARGUMENT for a device where only a node is
 * accepted
 */
export function resolveTarget(spec: string, lists: ReadonlyArray<readonly Device[]>, opts: { nodeOnly?: boolean } = {}): Target {
  if (spec.trim() === '') throw new StoreError('INVALID_ARGUMENT', 'Cannot find a node or device: the name is empty');
  const isDevice = /^[^/\s]+:\d+\/[^/\s]+$/.test(spec);
  const isAddress = /^[^/\s]+:\d+$/.test(spec);
  if (isDevice && opts.nodeOnly) {
    throw new StoreError('INVALID_ARGUMENT', `Cannot use "${spec}": expected a node (its id such as "n3", or ip:port), not a device`);
  }
  const match = (d: Device): boolean => (isDevice ? deviceKey(d) === spec : isAddress ? nodeAddress(d) === spec : d.meta !== '' && d.meta === spec);
  const keys = new Set<string>();
  const addresses = new Set<string>();
  const metas = new Set<string>();
  for (const list of lists) {
    for (const d of list) {
      if (!match(d)) continue;
      keys.add(deviceKey(d));
      addresses.add(nodeAddress(d));
      if (d.meta) metas.add(d.meta);
    }
  }
  if (keys.size === 0) {
    throw new StoreError('NOT_FOUND', `Cannot find ${isDevice ? 'device' : 'node'} "${spec}" in the account, container and object rings`);
  }
  const label = !isDevice && metas.size === 1 ? [...metas][0]! : spec;
  return { label, kind: isDevice ? 'device' : 'node', deviceKeys: [...keys].sort(), addresses: [...addresses].sort() };
}

/** Devices of a builder that the target names. */
export function targetDeviceIds(b: RingBuilder, t: Target): number[] {
  return builderDevices(b).filter((d) => t.deviceKeys.includes(deviceKey(d))).map((d) => d.id);
}

/** How messages name the node at `address`: its meta (node id) if its devices carry one. */
export function nodeName(address: string, lists: ReadonlyArray<ReadonlyArray<Device | undefined>>): string {
  for (const list of lists) {
    for (const d of list) if (d && d.meta && nodeAddress(d) === address) return d.meta;
  }
  return address;
}
