/**
 * A storage node's devices in the cluster's builder files: registering a new node's devices in
 * the account, container and object builders (never the block ring: block extents have no data
 * movement yet), and finding nodes that are in the builders but not yet in any ring file (added,
 * not yet rebalanced), so that status can ask them too.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '../../common/index.js';
import { RingBuilder } from '../../ring/index.js';
import { clusterNodes } from '../cluster-health.js';

/** The rings whose data moves: add-node and rebalance change these builders, not "block". */
export const MOVED_RINGS = ['account', 'container', 'object'] as const;

export function builderPath(ringDir: string, name: string): string {
  return join(ringDir, `${name}.builder`);
}

export interface NodeDevices {
  ip: string;
  port: number;
  devices: string[];
  weight: number;
  region: number;
  /** Undefined: a new zone (one above the highest zone of the object builder). */
  zone?: number;
  /** Stored as each device's `meta`. */
  id: string;
}

export interface PreparedRegistration {
  zone: number;
  /** Ring name → device ids the node's devices got. */
  ids: Record<string, number[]>;
  /** Saves the three builders (atomically each). @throws NO_SPACE, INTERNAL */
  save(): Promise<void>;
}

/**
 * Adds the node's devices to the account, container and object builders in memory; nothing is
 * written until `save()`, so a refusal leaves every builder as it was.
 * @throws NOT_FOUND (a builder file is missing), ALREADY_EXISTS (ip:port/device already a device),
 * INVALID_ARGUMENT (bad field)
 */
export async function prepareRegistration(ringDir: string, node: NodeDevices): Promise<PreparedRegistration> {
  const builders: Array<{ name: string; file: string; builder: RingBuilder }> = [];
  for (const name of MOVED_RINGS) {
    const file = builderPath(ringDir, name);
    if (!(await access(file).then(() => true, () => false))) {
      throw new StoreError('NOT_FOUND', `Cannot add node ${node.ip}:${node.port}: builder file "${file}" is missing`);
    }
    builders.push({ name, file, builder: await RingBuilder.load(file) });
  }
  const objectBuilder = builders.find((b) => b.name === 'object')!.builder;
  const zone = node.zone ?? 1 + Math.max(0, ...objectBuilder.devices.filter((d) => d !== undefined).map((d) => d.zone));
  const ids: Record<string, number[]> = {};
  for (const { name, builder } of builders) {
    ids[name] = node.devices.map((device) => {
      try {
        return builder.addDevice({ region: node.region, zone, ip: node.ip, port: node.port, device, weight: node.weight, meta: node.id });
      } catch (err) {
        if (err instanceof StoreError) throw new StoreError(err.code, `${err.message} (in the ${name} builder)`);
        throw err;
      }
    });
  }
  return {
    zone, ids,
    save: async () => {
      for (const { file, builder } of builders) await builder.save(file);
    },
  };
}

/** Nodes with a device in a builder but in no ring file (an empty list when builders are missing). */
export async function builderOnlyNodes(ringDir: string): Promise<Array<{ ip: string; port: number }>> {
  const inRings = new Set((await clusterNodes({ ringDir, peerSecret: '', proxyUrl: '', blockGateway: '' })).addresses.map((a) => `${a.ip}:${a.port}`));
  const found = new Map<string, { ip: string; port: number }>();
  for (const name of MOVED_RINGS) {
    let builder: RingBuilder;
    try {
      builder = await RingBuilder.load(builderPath(ringDir, name));
    } catch {
      continue; // no builder here (e.g. rings copied from elsewhere): nothing to add
    }
    for (const d of builder.devices) {
      const key = d ? `${d.ip}:${d.port}` : '';
      if (d && !inRings.has(key)) found.set(key, { ip: d.ip, port: d.port });
    }
  }
  return [...found.values()];
}
