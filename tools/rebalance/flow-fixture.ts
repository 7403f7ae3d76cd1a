/**
 * Test fixture for the rebalance flow (used by *.test.ts only): a ring folder with account,
 * container, object and block builders and rings over N one-disk nodes "n1".."nN", and a fake
 * FlowIO whose nodes answer from tables the test controls.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RingBuilder, ringFilePath, type Device } from '../../ring/index.js';
import type { DeviceUsageMsg, PartitionBytesMsg, PushRingRequestMsg, PushRingResponseMsg } from '../../cluster/index.js';
import { decodeRing } from '../../ring/index.js';
import type { MovementSnapshot, NodeMovement } from '../movement/movement-status.js';
import type { MovementControl } from '../movement/movement-files.js';
import type { FlowIO } from './rebalance-flow.js';

export const RING_NAMES = ['account', 'container', 'object', 'block'] as const;
const HOUR_MS = 3_600_000;

export function nodeDevice(i: number): Omit<Device, 'id'> {
  return { region: 1, zone: i, ip: '127.0.0.1', port: 7000 + i, device: 'd1', weight: 100, meta: `n${i}` };
}

/** A ring folder with the four rings over nodes 1..count. `teardown` removes it. */
export async function makeRingDir(count: number, o: { partPower?: number; blockNodes?: number } = {}): Promise<{ ringDir: string; teardown: () => Promise<void> }> {
  const ringDir = await mkdtemp(join(tmpdir(), 'strata-rebalance-'));
  for (const name of RING_NAMES) {
    const b = RingBuilder.create({ partPower: o.partPower ?? 6, replicas: 3, minPartHours: 1, hashSecret: 'secret' });
    const n = name === 'block' ? (o.blockNodes ?? count) : count;
    for (let i = 1; i <= n; i++) b.addDevice(nodeDevice(i));
    b.rebalance({ seed: 1, nowMs: Date.now() - HOUR_MS / 2 });
    await b.save(join(ringDir, `${name}.builder`));
    await b.writeRing(ringFilePath(ringDir, name));
  }
  return { ringDir, teardown: () => rm(ringDir, { recursive: true, force: true }) };
}

/** Adds node i to the account, container and object builders (as add-node does). */
export async function addNodeToBuilders(ringDir: string, i: number): Promise<void> {
  for (const name of ['account', 'container', 'object']) {
    const file = join(ringDir, `${name}.builder`);
    const b = await RingBuilder.load(file);
    b.addDevice(nodeDevice(i));
    await b.save(file);
  }
}

export function usageOf(over: Partial<DeviceUsageMsg> = {}): DeviceUsageMsg {
  return { device: 'd1', mounted: true, capacityBytes: 1e9, usedBytes: 0, freeBytes: 1e9, objectBytes: 0, objectFiles: 0, objectPartitions: 0,
    handoffPartitions: 0, handoffBytes: 0, handoffFiles: 0, listingHandoffPartitions: 0, ...over };
}

export function nodeMovement(address: string, over: Partial<NodeMovement> = {}): NodeMovement {
  return { address, nodeId: '', ringVersions: {}, devices: [usageOf()], control: { maxBytesPerSec: 0, paused: false },
    movedBytes: 0, movedPartitions: 0, movedListingPartitions: 0, ...over };
}

/** A snapshot of `addresses` all answering, nothing to move. */
export function doneSnapshot(addresses: string[], over: Partial<MovementSnapshot> = {}): MovementSnapshot {
  return { atMs: 0, nodes: addresses.map((a) => nodeMovement(a)), unreachable: [], toMove: { partitions: 0, bytes: 0, listingPartitions: 0 },
    done: true, ringFiles: {}, ringsInSync: true, ...over };
}

export interface FakeCluster {
  io: FlowIO;
  lines: string[];
  /** address -> ring name -> version pushed. */
  pushed: Map<string, Record<string, number>>;
  /** Addresses whose calls fail. */
  down: Set<string>;
  /** address/device -> partition -> bytes. */
  usage: Map<string, Map<number, number>>;
  snapshot: MovementSnapshot | undefined;
  control: MovementControl;
  answer: boolean | undefined;
  asked: string[];
  gatheredExtra: string[];
}

/** A fake cluster: every address answers unless in `down`; the snapshot defaults to "done". */
export function fakeCluster(): FakeCluster {
  const f: FakeCluster = {
    lines: [], pushed: new Map(), down: new Set(), usage: new Map(), snapshot: undefined, control: { maxBytesPerSec: 0, paused: false },
    answer: undefined, asked: [], gatheredExtra: [],
    io: undefined as unknown as FlowIO,
  };
  const fail = (address: string): void => {
    if (f.down.has(address)) throw new Error(`node ${address} is down`);
  };
  f.io = {
    gather: async (extra) => {
      const addresses = extra.map((e) => `${e.ip}:${e.port}`);
      f.gatheredExtra = addresses;
      if (f.snapshot) return f.snapshot;
      const s = doneSnapshot(addresses.filter((a) => !f.down.has(a)));
      for (const a of addresses.filter((x) => f.down.has(x))) s.nodes.push(nodeMovement(a, { error: 'down' }));
      s.unreachable = addresses.filter((a) => f.down.has(a));
      s.done = s.unreachable.length === 0;
      return s;
    },
    nodes: {
      partitionUsage: async (ip, port, device): Promise<PartitionBytesMsg[]> => {
        fail(`${ip}:${port}`);
        const m = f.usage.get(`${ip}:${port}/${device}`) ?? new Map<number, number>();
        return [...m.entries()].map(([partition, bytes]) => ({ device, partition, bytes, files: 1 }));
      },
      pushRing: async (ip, port, req: PushRingRequestMsg): Promise<PushRingResponseMsg> => {
        fail(`${ip}:${port}`);
        const ring = await decodeRing(req.data, req.name);
        const v = f.pushed.get(`${ip}:${port}`) ?? {};
        v[req.name] = ring.version;
        f.pushed.set(`${ip}:${port}`, v);
        return { version: ring.version, applied: true };
      },
      close: () => undefined,
    },
    readControl: async () => f.control,
    say: (text) => { f.lines.push(...text.split('\n')); },
    ask: async (q) => {
      f.asked.push(q);
      if (f.answer === undefined) throw new Error('unexpected question');
      return f.answer;
    },
    nowMs: () => 1_700_000_000_000,
  };
  return f;
}
