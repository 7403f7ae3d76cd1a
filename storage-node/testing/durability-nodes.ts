/**
 * In-process storage nodes for durability unit tests: each has one device, an FsObjectStore
 * wired to its suffix hash cache, and a gRPC server carrying only ReplicationService, all on
 * 127.0.0.1 port 0, with an object ring over their bound ports. Closed in t.teardown.
 */
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { silentLogger } from '../../common/index.js';
import { RingBuilder, Ring, ringFilePath } from '../../ring/index.js';
import { Devices } from '../devices.js';
import { MetaDbs } from '../meta-db.js';
import { PathHasher } from '../path-hash.js';
import { FsObjectStore } from '../fs-object-store.js';
import { Durability } from '../durability.js';
import { ContainerStore } from '../container-store.js';
import { AccountStore } from '../account-store.js';
import { DEFAULT_DURABILITY_CONFIG, type DurabilityConfig } from '../durability-config.js';
import type { MovementGate } from '../workers/movement-gate.js';

export interface DurabilityTestNode {
  device: string;
  root: string;
  port: number;
  store: FsObjectStore;
  durability: Durability;
  server: Server;
  dbs: MetaDbs;
  containers: ContainerStore;
  accounts: AccountStore;
  /** Rows the expirer delivered: [container replica device, account, container, row name, deleted]. */
  delivered: string[];
  /** Stops serving (a node that is down); idempotent. */
  down(): void;
}

export const HASH_SECRET = 'test-hash-secret';
export const PEER_SECRET = 'test-peer-secret';

function bind(server: Server): Promise<number> {
  return new Promise((res, rej) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
}

/** Starts `count` nodes; `dir` is a fresh test folder; `movement(i)` gives node i a movement gate. */
export async function startDurabilityNodes(
  t: { teardown(fn: () => unknown): void }, dir: string, count: number, config: Partial<DurabilityConfig> = {},
  movement?: (i: number) => MovementGate | undefined,
): Promise<{ nodes: DurabilityTestNode[]; ring: Ring }> {
  const hasher = await PathHasher.create(HASH_SECRET);
  const slot: { ring?: Ring } = {};
  const nodes: DurabilityTestNode[] = [];
  for (let i = 0; i < count; i++) {
    const device = `d${i}`;
    const root = join(dir, device);
    await mkdir(root, { recursive: true });
    const devices = new Devices([{ name: device, path: root }]);
    const dbs = new MetaDbs(devices);
    const server = new Server();
    const port = await bind(server);
    const delivered: string[] = [];
    const containers = new ContainerStore(dbs);
    const accounts = new AccountStore(dbs);
    const gate = movement?.(i);
    const durability = new Durability({
      ...(gate ? { movement: gate } : {}),
      config: { ...DEFAULT_DURABILITY_CONFIG, durabilityWorkers: false, ...config },
      bindIp: '127.0.0.1', port, peerSecret: PEER_SECRET, devices, dbs, objectRing: () => slot.ring, log: silentLogger(),
      listingRing: () => slot.ring, containers, accounts,
      updates: { deliverRows: async (_dev, targets, account, container, rows) => {
        for (const t of targets) for (const r of rows) delivered.push(`${t.device} ${account}/${container}/${r.name} ${r.deleted ? 'deleted' : 'live'}`);
      } },
    });
    durability.addService(server, () => slot.ring?.partCount);
    const store = new FsObjectStore({ devices, hasher, onChange: durability.onChange });
    let isDown = false;
    const down = () => { if (!isDown) { isDown = true; server.forceShutdown(); } };
    nodes.push({ device, root, port, store, durability, server, dbs, containers, accounts, delivered, down });
  }
  t.teardown(async () => {
    for (const n of nodes) {
      n.down();
      await n.durability.stop();
      await n.dbs.close();
    }
  });
  const b = RingBuilder.create({ partPower: 4, replicas: 3, minPartHours: 0, hashSecret: HASH_SECRET });
  nodes.forEach((n, i) => b.addDevice({ region: 1, zone: i + 1, ip: '127.0.0.1', port: n.port, device: n.device, weight: 100, meta: '' }));
  b.rebalance({ seed: 1 });
  const file = ringFilePath(dir, 'object');
  await b.writeRing(file);
  slot.ring = await Ring.load(file);
  return { nodes, ring: slot.ring };
}

const HEADER = { contentType: 'text/plain', metadata: {}, deleteAtMs: 0, contentLength: -1, ifNoneMatchAny: false };

/** Writes an object directly to one node's store. */
export async function putDirect(node: DurabilityTestNode, partition: number, object: string, body: string, timestamp: string): Promise<void> {
  const key = { device: node.device, partition, account: 'a', container: 'c', object };
  await (await node.store.stage(key, HEADER, Readable.from([Buffer.from(body)]))).commit({ timestamp });
}

/** Reads an object from one node's store ('' body and undefined when absent). */
export async function getDirect(node: DurabilityTestNode, partition: number, object: string): Promise<string | undefined> {
  try {
    const r = await node.store.get({ device: node.device, partition, account: 'a', container: 'c', object });
    const parts: Buffer[] = [];
    for await (const c of r.body) parts.push(c as Buffer);
    return Buffer.concat(parts).toString();
  } catch (err) {
    if ((err as { code?: string }).code === 'NOT_FOUND') return undefined;
    throw err;
  }
}
