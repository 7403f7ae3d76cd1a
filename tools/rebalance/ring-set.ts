/**
 * The rings a rebalance changes (account, container, object: the block ring's extents have no
 * data movement yet, so it is left alone), each as its builder file and the ring file the nodes
 * use now. Loading is the only I/O; planning works on clones (rebalance-plan.ts).
 */
import { access } from 'node:fs/promises';
import { StoreError } from '../../common/index.js';
import { Ring, RingBuilder, ringFilePath, type Device } from '../../ring/index.js';
import { MOVED_RINGS, builderPath } from '../movement/builder-devices.js';

export type MovedRingName = (typeof MOVED_RINGS)[number];

/** One ring a rebalance may change. */
export interface LoadedRing {
  name: MovedRingName;
  builderFile: string;
  ringFile: string;
  /** As saved; never changed in place (plans work on clones). */
  builder: RingBuilder;
  /** The ring file nodes use now; undefined when none was written yet. */
  current: Ring | undefined;
}

export interface RingSet {
  ringDir: string;
  rings: LoadedRing[];
  /** The block ring (read only: to refuse removing a node it still uses). */
  block: Ring | undefined;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(() => true, () => false);
}

/**
 * Loads the account, container and object builders and ring files, and the block ring.
 * @throws NOT_FOUND when a builder file is missing, CORRUPT when a file is damaged
 */
export async function loadRingSet(ringDir: string): Promise<RingSet> {
  const rings: LoadedRing[] = [];
  for (const name of MOVED_RINGS) {
    const builderFile = builderPath(ringDir, name);
    const ringFile = ringFilePath(ringDir, name);
    if (!(await exists(builderFile))) {
      throw new StoreError('NOT_FOUND', `Cannot rebalance: builder file "${builderFile}" is missing (rebalance needs the builders beside the rings)`);
    }
    const builder = await RingBuilder.load(builderFile);
    const current = (await exists(ringFile)) ? await Ring.load(ringFile) : undefined;
    rings.push({ name, builderFile, ringFile, builder, current });
  }
  const blockFile = ringFilePath(ringDir, 'block');
  const block = (await exists(blockFile)) ? await Ring.load(blockFile) : undefined;
  return { ringDir, rings, block };
}

/** "ip:port/device": how a disk is named across rings and versions (ids may differ). */
export function deviceKey(d: Pick<Device, 'ip' | 'port' | 'device'>): string {
  return `${d.ip}:${d.port}/${d.device}`;
}

/** "ip:port" of a device's storage node. */
export function nodeAddress(d: Pick<Device, 'ip' | 'port'>): string {
  return `${d.ip}:${d.port}`;
}

/** Live devices of a list (holes skipped). */
export function liveDevices(devices: ReadonlyArray<Device | undefined>): Device[] {
  return devices.filter((d): d is Device => d !== undefined);
}
