/**
 * Data movement across real in-process storage nodes: a ring that adds a node is pushed while
 * movement is paused (status shows what waits), then resumed (the replicators, woken by the
 * control change, move it; status drops to 0), and the data ends on the new primaries only. A
 * write that lands at the old place afterwards (a proxy still on the old ring) reaches the new
 * primaries too.
 */
import t from 'tap';
import { join } from 'node:path';
import { readdir } from 'node:fs/promises';
import { formatTimestamp, silentLogger } from '../common/index.js';
import { RingBuilder, encodeRing, type Ring } from '../ring/index.js';
import { MovementClient, NodeClient, DEFAULT_NODE_CLIENT_CONFIG, type MovementStatusResponseMsg } from '../cluster/index.js';
import { startStorageNode, type RunningStorageNode } from './storage-node.js';
import { parseStorageNodeConfig } from './config.js';
import { freePort } from '../common/testing/free-port.js';

const SECRET = 'peer-secret';
const HASH = 'h';
const OBJECTS = 40;
const cfg = { ...DEFAULT_NODE_CLIENT_CONFIG, peerSecret: SECRET, nodeTimeoutMs: 10_000 };

interface TestNode { device: string; root: string; port: number; node: RunningStorageNode; mc: MovementClient; nc: NodeClient }

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const sum = (all: MovementStatusResponseMsg[], f: (d: MovementStatusResponseMsg['devices'][number]) => number) =>
  all.reduce((n, s) => n + s.devices.reduce((m, d) => m + f(d), 0), 0);

/** Partitions present under each node's device. */
async function partitionsOf(n: TestNode): Promise<number[]> {
  return (await readdir(join(n.root, 'objects')).catch(() => [] as string[])).map(Number).sort((a, b) => a - b);
}

t.test('a pushed ring moves data to the new primaries only, with status and control', async (t) => {
  const dir = t.testdir({});
  const nodes: TestNode[] = [];
  for (let i = 0; i < 4; i++) {
    const device = `d${i}`;
    // One ring folder for all, as in the all-in-one; long intervals: only wake-ups move data.
    const config = parseStorageNodeConfig({
      nodeId: `n${i}`, port: await freePort(), devices: [{ name: device, path: device }], ringDir: 'rings', peerSecret: SECRET, hashSecret: HASH,
      replicatorIntervalMs: 600_000, auditorIntervalMs: 600_000, expirerIntervalMs: 600_000, updaterIntervalMs: 600_000,
    }, dir);
    const node = await startStorageNode(config, silentLogger());
    const n = { device, root: join(dir, device), port: node.port, node, mc: new MovementClient('127.0.0.1', node.port, cfg), nc: new NodeClient('127.0.0.1', node.port, cfg) };
    nodes.push(n);
    t.teardown(async () => { n.mc.close(); n.nc.close(); await n.node.stop(); });
  }
  const byDevice = (d: string) => nodes.find((n) => n.device === d)!;
  const b = RingBuilder.create({ partPower: 4, replicas: 2, minPartHours: 0, hashSecret: HASH });
  for (const n of nodes.slice(0, 3)) b.addDevice({ region: 1, zone: nodes.indexOf(n) + 1, ip: '127.0.0.1', port: n.port, device: n.device, weight: 100, meta: '' });
  b.rebalance({ seed: 1 });
  const v1 = await encodeRing(b.ringData());
  for (const n of nodes) await n.mc.pushRing({ name: 'object', data: v1, force: false });
  const ring1 = nodes[0]!.node.rings.get('object')!;

  const put = async (ring: Ring, name: string, ts: string, only?: string) => {
    const partition = ring.partOf(`/AUTH_a/c/${name}`);
    for (const d of ring.primaries(partition)) {
      if (only && d.device !== only) continue;
      const s = await byDevice(d.device).nc.putObject({
        ref: { device: d.device, partition, account: 'AUTH_a', container: 'c', object: name },
        contentType: 'text/plain', metadata: {}, deleteAtMs: 0, contentLength: -1, ifNoneMatchAny: false, containerUpdates: [],
      });
      s.write(Buffer.from(`body of ${name}`));
      await s.finish({ timestamp: ts, expectedEtag: '' });
    }
    return partition;
  };
  const names = Array.from({ length: OBJECTS }, (_, i) => `o${i}`);
  for (const name of names) await put(ring1, name, formatTimestamp(Date.now()));

  for (const n of nodes) t.same(await n.mc.setMovement({ maxBytesPerSec: 0, paused: true }), { maxBytesPerSec: 0, paused: true });
  b.addDevice({ region: 1, zone: 4, ip: '127.0.0.1', port: nodes[3]!.port, device: 'd3', weight: 100, meta: '' });
  b.rebalance({ seed: 2 });
  const v2 = await encodeRing(b.ringData());
  for (const n of nodes) t.equal((await n.mc.pushRing({ name: 'object', data: v2, force: false })).version, 2, `${n.device} uses v2`);
  const ring2 = nodes[0]!.node.rings.get('object')!;

  // Expected: partition-replicas with data whose old device is no longer a primary.
  const held = new Set(names.map((name) => ring1.partOf(`/AUTH_a/c/${name}`)));
  let expected = 0;
  for (const p of held) {
    const now = new Set(ring2.primaries(p).map((d) => d.device));
    expected += ring1.primaries(p).filter((d) => !now.has(d.device)).length;
  }
  t.ok(expected > 0, `the new ring moves ${expected} partition-replicas that hold data`);

  await new Promise((r) => setTimeout(r, 300)); // the woken replicators run, and skip handoffs
  const paused = await Promise.all(nodes.map((n) => n.mc.movementStatus()));
  t.equal(sum(paused, (d) => d.handoffPartitions), expected, 'status: the handoff partitions wait while paused');
  const waitingBytes = sum(paused, (d) => d.handoffBytes);
  t.ok(waitingBytes > 0, `and their bytes (${waitingBytes})`);
  t.equal(sum([paused[3]!], (d) => d.objectFiles), 0, 'the new node got nothing while paused');

  for (const n of nodes) await n.mc.setMovement({ maxBytesPerSec: 0, paused: false });
  await until('movement to finish', async () => {
    const all = await Promise.all(nodes.map((n) => n.mc.movementStatus()));
    return sum(all, (d) => d.handoffPartitions) === 0 ? all : undefined;
  });
  // The files go first, the emptied partition folder (and its count) a moment later.
  const done = await until('handoff partitions removed', async () => {
    const all = await Promise.all(nodes.map((n) => n.mc.movementStatus()));
    return all.reduce((n, s) => n + s.movedPartitions, 0) >= expected ? all : undefined;
  }, 5000);
  t.equal(sum(done, (d) => d.handoffBytes), 0, 'status: nothing left to move');
  t.equal(done.reduce((n, s) => n + s.movedPartitions, 0), expected, 'every moved partition-replica counted once');
  t.equal(done.reduce((n, s) => n + s.movedBytes, 0), waitingBytes, 'moved bytes = the bytes that waited');

  for (const n of nodes) {
    const allowed = (await partitionsOf(n)).filter((p) => !ring2.primaries(p).some((d) => d.device === n.device));
    t.same(allowed, [], `${n.device} holds only partitions it is a primary of`);
  }
  for (const name of names) {
    const partition = ring2.partOf(`/AUTH_a/c/${name}`);
    for (const d of ring2.primaries(partition)) {
      const h = await byDevice(d.device).nc.headObject({ device: d.device, partition, account: 'AUTH_a', container: 'c', object: name });
      if (h.meta.size !== `body of ${name}`.length) t.fail(`${name} on ${d.device}`);
    }
  }
  t.pass('every object is on its new primaries');

  // A proxy still on v1 writes to an old primary that is now a handoff.
  const late = names.map((name) => `late-${name}`).find((name) => {
    const p = ring1.partOf(`/AUTH_a/c/${name}`);
    return ring1.primaries(p).some((d) => !ring2.primaries(p).some((x) => x.device === d.device));
  })!;
  const p = ring1.partOf(`/AUTH_a/c/${late}`);
  const oldDev = ring1.primaries(p).find((d) => !ring2.primaries(p).some((x) => x.device === d.device))!.device;
  await put(ring1, late, formatTimestamp(Date.now()), oldDev);
  const old = byDevice(oldDev);
  t.equal((await old.mc.movementStatus()).devices[0]!.handoffFiles, 1, 'status sees the late write as still to move');
  await old.node.durability.runFullPass('replicator');
  for (const d of ring2.primaries(p)) {
    const h = await byDevice(d.device).nc.headObject({ device: d.device, partition: p, account: 'AUTH_a', container: 'c', object: late });
    t.equal(h.meta.size, `body of ${late}`.length, `the late write reached new primary ${d.device}`);
  }
  t.notOk((await partitionsOf(old)).includes(p), 'and left the old place');

  // Not paused: the ring reload alone wakes the replicators (their interval is ten minutes).
  b.setWeight(3, 300);
  b.rebalance({ seed: 3 });
  const v3 = await encodeRing(b.ringData());
  for (const n of nodes) await n.mc.pushRing({ name: 'object', data: v3, force: false });
  const ring3 = nodes[0]!.node.rings.get('object')!;
  t.equal(ring3.version, 3);
  const moves3 = [...held].filter((q) => ring2.primaries(q).some((d) => !ring3.primaries(q).some((x) => x.device === d.device))).length;
  t.ok(moves3 > 0, `v3 moves ${moves3} partitions that hold data`);
  const misplaced = async () => {
    const out: string[] = [];
    for (const n of nodes) for (const q of await partitionsOf(n)) if (!ring3.primaries(q).some((d) => d.device === n.device)) out.push(`${n.device}/${q}`);
    return out;
  };
  await until('the v3 move', async () => ((await misplaced()).length === 0 ? true : undefined));
  t.same(await misplaced(), [], 'a ring change moves data at once, without waiting for the interval');
  const d3 = await nodes[3]!.mc.partitionUsage('');
  t.ok(d3.length > 0, `the heavier node holds ${d3.length} partitions`);
});
