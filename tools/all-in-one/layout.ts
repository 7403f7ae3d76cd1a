/**
 * The all-in-one's data folder: created on first start (secrets generated once, rings for
 * account/container/object/block over the local storage nodes, one config file per process)
 * and reused unchanged on every later start.
 *
 *   <data>/all-in-one.json   the layout: nodes, ports (this file's presence = initialised)
 *   <data>/cluster.json      the cluster file CLI commands use (tools/cluster-config.ts)
 *   <data>/rings/            *.builder and *.ring.gz
 *   <data>/nodes/<id>.json   storage-node configs; <data>/nodes/<id>/<device>/ the devices
 *   <data>/proxy.json        proxy config; <data>/block-gateway.json gateway config
 *   <data>/logs/             one log file per process
 */
import { mkdir, readFile, access } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { writeFileAtomic, StoreError } from '../../common/index.js';
import { RingBuilder, ringFilePath } from '../../ring/index.js';
import type { ClusterConfig } from '../cluster-config.js';

export const RING_NAMES = ['account', 'container', 'object', 'block'] as const;

export interface AllInOneOptions {
  dataDir: string;
  bindIp: string;
  proxyPort: number;
  /** First storage-node port; node i listens on basePort + i. */
  basePort: number;
  blockPort: number;
  nodeCount: number;
  replicas: number;
  partPower: number;
}

export interface NodeLayout {
  id: string;
  port: number;
  zone: number;
  devices: string[];
}

export interface AllInOneLayout {
  version: 1;
  bindIp: string;
  proxyPort: number;
  blockPort: number;
  nodes: NodeLayout[];
}

export function layoutFile(dataDir: string): string {
  return join(dataDir, 'all-in-one.json');
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

/** Reads the layout of an initialised data folder, or undefined for a new one. */
export async function readLayout(dataDir: string): Promise<AllInOneLayout | undefined> {
  const file = layoutFile(dataDir);
  if (!(await exists(file))) return undefined;
  try {
    return JSON.parse(await readFile(file, 'utf8')) as AllInOneLayout;
  } catch {
    throw new StoreError('CORRUPT', `Cannot read the all-in-one layout "${file}": not JSON`);
  }
}

/** Creates everything a new all-in-one needs under the data folder. */
export async function initialiseLayout(o: AllInOneOptions): Promise<AllInOneLayout> {
  const dataDir = resolve(o.dataDir);
  const ringDir = join(dataDir, 'rings');
  await mkdir(ringDir, { recursive: true });
  await mkdir(join(dataDir, 'nodes'), { recursive: true });
  await mkdir(join(dataDir, 'logs'), { recursive: true });

  const nodes: NodeLayout[] = [];
  for (let i = 0; i < o.nodeCount; i++) {
    const node: NodeLayout = { id: `n${i + 1}`, port: o.basePort + i, zone: i + 1, devices: ['d1'] };
    for (const dev of node.devices) await mkdir(join(dataDir, 'nodes', node.id, dev), { recursive: true });
    nodes.push(node);
  }

  const hashSecret = randomBytes(16).toString('hex');
  for (const name of RING_NAMES) {
    const builder = RingBuilder.create({ partPower: o.partPower, replicas: o.replicas, minPartHours: 1, hashSecret });
    for (const node of nodes) {
      for (const dev of node.devices) {
        builder.addDevice({ region: 1, zone: node.zone, ip: o.bindIp, port: node.port, device: dev, weight: 100, meta: node.id });
      }
    }
    builder.rebalance({ seed: 1 });
    await builder.save(join(ringDir, `${name}.builder`));
    await builder.writeRing(ringFilePath(ringDir, name));
  }

  const cluster: ClusterConfig = {
    ringDir: 'rings',
    peerSecret: randomBytes(24).toString('hex'),
    proxyUrl: `http://${o.bindIp}:${o.proxyPort}`,
    blockGateway: `${o.bindIp}:${o.blockPort}`,
    dataDir,
  };
  await writeFileAtomic(join(dataDir, 'cluster.json'), JSON.stringify(cluster, null, 2));
  await writeFileAtomic(join(dataDir, 'token-secret'), randomBytes(32).toString('hex'));

  const layout: AllInOneLayout = { version: 1, bindIp: o.bindIp, proxyPort: o.proxyPort, blockPort: o.blockPort, nodes };
  await writeFileAtomic(layoutFile(dataDir), JSON.stringify(layout, null, 2));
  return layout;
}
