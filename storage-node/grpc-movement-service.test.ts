import t, { type Test } from 'tap';
import { join } from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { formatTimestamp, silentLogger } from '../common/index.js';
import { RingBuilder, encodeRing } from '../ring/index.js';
import { MovementClient, NodeClient, DEFAULT_NODE_CLIENT_CONFIG } from '../cluster/index.js';
import { startStorageNode, type RunningStorageNode } from './storage-node.js';
import { parseStorageNodeConfig, type StorageNodeConfig } from './config.js';
import { freePort } from '../common/testing/free-port.js';

const SECRET = 'peer-secret';
const HASH = 'h';
const cfg = { ...DEFAULT_NODE_CLIENT_CONFIG, peerSecret: SECRET, nodeTimeoutMs: 10_000 };

interface Started { node: RunningStorageNode; mc: MovementClient; nc: NodeClient; stop(): Promise<void> }

async function start(t: Test, config: Readonly<StorageNodeConfig>): Promise<Started> {
  const node = await startStorageNode(config, silentLogger());
  const mc = new MovementClient('127.0.0.1', node.port, cfg);
  const nc = new NodeClient('127.0.0.1', node.port, cfg);
  let stopped = false;
  const stop = async () => { if (!stopped) { stopped = true; mc.close(); nc.close(); await node.stop(); } };
  t.teardown(stop);
  return { node, mc, nc, stop };
}

/** Ring versions 1..n over this node's d1 and three absent devices (ports 1-3). */
async function rings(port: number, n: number, hashSecret = HASH): Promise<Buffer[]> {
  const b = RingBuilder.create({ partPower: 4, replicas: 3, minPartHours: 0, hashSecret });
  b.addDevice({ region: 1, zone: 1, ip: '127.0.0.1', port, device: 'd1', weight: 100, meta: '' });
  for (let i = 1; i <= 3; i++) b.addDevice({ region: 1, zone: i + 1, ip: '127.0.0.1', port: i, device: 'x', weight: 100, meta: '' });
  const out: Buffer[] = [];
  for (let v = 0; v < n; v++) {
    if (v > 0) b.setWeight(0, 100 + 50 * v);
    b.rebalance({ seed: v + 1 });
    out.push(await encodeRing(b.ringData()));
  }
  return out;
}

/** Writes one object file of `size` bytes straight into the device folder. */
async function plant(root: string, partition: number, hash: string, name: string, size: number): Promise<void> {
  const dir = join(root, 'objects', String(partition), hash.slice(-3), hash);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, name), Buffer.alloc(size, 1));
}

t.test('MovementService: push and get rings, with every refusal', async (t) => {
  const dir = t.testdir({});
  const config = parseStorageNodeConfig({ nodeId: 'n1', port: 0, devices: [{ name: 'd1', path: 'd1' }], ringDir: 'rings', peerSecret: SECRET, hashSecret: HASH, durabilityWorkers: false }, dir);
  const { node, mc, nc } = await start(t, config);
  const [v1, v2] = await rings(node.port, 2);
  await t.rejects(mc.getRing('object'), { code: 'NOT_FOUND' }, 'no ring yet');
  t.same(await mc.pushRing({ name: 'object', data: v1!, force: false }), { version: 1, applied: true });
  t.same(await mc.pushRing({ name: 'object', data: v1!, force: false }), { version: 1, applied: false }, 'same ring again');
  t.same(await mc.pushRing({ name: 'object', data: v2!, force: false }), { version: 2, applied: true });
  await t.rejects(mc.pushRing({ name: 'object', data: v1!, force: false }), { code: 'STALE' }, 'older');
  await t.rejects(mc.pushRing({ name: 'object', data: Buffer.from('junk'), force: false }), { code: 'CORRUPT' });
  await t.rejects(mc.pushRing({ name: 'object', data: (await rings(node.port, 3, 'other'))[2]!, force: false }), { code: 'CONFLICT' }, 'another cluster');
  await t.rejects(mc.pushRing({ name: 'bogus', data: v1!, force: false }), { code: 'INVALID_ARGUMENT' });
  const got = await mc.getRing('object');
  t.equal(got.version, 2);
  t.same(Buffer.from(got.data), v2, 'the bytes in use');
  t.same(await mc.pushRing({ name: 'block', data: v1!, force: false }), { version: 1, applied: true }, 'the block ring');
  t.same((await nc.nodeInfo()).ringVersions, { object: 2, block: 1 }, 'NodeInfo reports every ring, block included');

  // A client upload in progress counts as client traffic; MovementStatus itself does not.
  const upload = await nc.putObject({
    ref: { device: 'd1', partition: 1, account: 'AUTH_a', container: 'c', object: 'o' },
    contentType: 'text/plain', metadata: {}, deleteAtMs: 0, contentLength: -1, ifNoneMatchAny: false, containerUpdates: [],
  });
  let inFlight = 0;
  for (let i = 0; i < 100 && inFlight === 0; i++) {
    inFlight = (await mc.movementStatus()).clientRequestsInFlight;
    if (inFlight === 0) await new Promise((r) => setTimeout(r, 20));
  }
  t.equal(inFlight, 1, 'an open PutObject is a client request in flight');
  upload.write(Buffer.from('x'));
  await upload.finish({ timestamp: formatTimestamp(Date.now()), expectedEtag: '' });
  t.equal((await mc.movementStatus()).clientRequestsInFlight, 0, 'none once it finished');

  const bad = new MovementClient('127.0.0.1', node.port, { ...cfg, peerSecret: 'wrong' });
  t.teardown(() => bad.close());
  await t.rejects(bad.movementStatus(), { code: 'UNAUTHENTICATED' }, 'peers only');
});

t.test('MovementService: status and partition usage count a real device folder; control survives a restart', async (t) => {
  const dir = t.testdir({});
  // A fixed port: the ring names the node by address, and the restarted node must be the same one.
  const config = parseStorageNodeConfig({ nodeId: 'n1', port: await freePort(), devices: [{ name: 'd1', path: 'd1' }], ringDir: 'rings', peerSecret: SECRET, hashSecret: HASH, durabilityWorkers: false }, dir);
  const first = await start(t, config);
  const [v1] = await rings(first.node.port, 1);
  await first.mc.pushRing({ name: 'object', data: v1!, force: false });
  await first.mc.pushRing({ name: 'container', data: v1!, force: false });
  const ring = first.node.rings.get('object')!;
  const mine = (p: number) => ring.primaries(p).some((d) => d.device === 'd1');
  const parts = [...Array(ring.partCount).keys()];
  const [pp, ph] = [parts.find(mine)!, parts.find((p) => !mine(p))!];
  const root = join(dir, 'd1');
  await plant(root, pp, '00000000000000a1', '1700000000.00000.data', 100);
  await plant(root, pp, '00000000000000b2', '1700000000.00000.data', 50);
  await plant(root, ph, '00000000000000c3', '1700000000.00000.data', 300);
  await plant(root, ph, '00000000000000d4', '1700000001.00000.ts', 0);
  await first.nc.putContainer({ ref: { device: 'd1', partition: ph, account: 'AUTH_a', container: 'c' }, timestamp: formatTimestamp(Date.now()), metadata: {}, accountUpdates: [] });

  const s = await first.mc.movementStatus();
  t.equal(s.nodeId, 'n1');
  t.same(s.ringVersions, { object: 1, container: 1 });
  t.same(s.control, { maxBytesPerSec: 0, paused: false }, 'nothing set yet');
  t.same([s.movedBytes, s.movedPartitions, s.movedListingPartitions, s.clientRequestsInFlight], [0, 0, 0, 0]);
  t.ok(s.startedMs <= Date.now() && s.startedMs > Date.now() - 60_000, 'startedMs');
  const d = s.devices[0]!;
  t.match(d, {
    device: 'd1', mounted: true, objectBytes: 450, objectFiles: 4, objectPartitions: 2,
    handoffPartitions: 1, handoffBytes: 300, handoffFiles: 2, listingHandoffPartitions: 1,
  }, 'object and listing numbers');
  t.ok(d.capacityBytes > 0 && d.usedBytes > 0 && d.freeBytes > 0 && d.freeBytes <= d.capacityBytes, 'statfs numbers');
  t.same((await first.mc.partitionUsage('')).sort((a, b) => a.partition - b.partition), [
    { device: 'd1', partition: Math.min(pp, ph), bytes: pp < ph ? 150 : 300, files: 2 },
    { device: 'd1', partition: Math.max(pp, ph), bytes: pp < ph ? 300 : 150, files: 2 },
  ], 'PartitionUsage');
  t.equal((await first.mc.partitionUsage('d1')).length, 2);
  await t.rejects(first.mc.partitionUsage('nodev'), { code: 'NOT_MOUNTED' });
  await t.rejects(first.mc.partitionUsage('../x'), { code: 'INVALID_ARGUMENT' });

  const walks = first.node.usage.walks;
  await plant(root, pp, '00000000000000e5', '1700000000.00000.data', 7); // behind the node's back
  t.equal((await first.mc.movementStatus()).devices[0]!.objectFiles, 4, 'an unchanged partition comes from the cache');
  t.equal(first.node.usage.walks, walks, 'no folder walked');
  first.node.durability.cache.invalidate('d1', pp, '0e5');
  t.equal((await first.mc.movementStatus()).devices[0]!.objectBytes, 457, 'a change through the hooks is seen');
  t.equal(first.node.usage.walks, walks + 1, 'only the changed partition walked');

  await t.rejects(first.mc.setMovement({ maxBytesPerSec: -1, paused: false }), { code: 'INVALID_ARGUMENT' });
  t.same(await first.mc.setMovement({ maxBytesPerSec: 5000, paused: true }), { maxBytesPerSec: 5000, paused: true });
  t.equal(first.node.movement.throttle.rate, 5000, 'the rate applies at once');
  const scrape = await first.node.metrics.registry.metrics();
  t.match(scrape, /strata_movement_max_bytes_per_second(\{[^}]*\})? 5000/, 'metrics show the control');
  t.match(scrape, /strata_movement_paused(\{[^}]*\})? 1/);
  t.match(scrape, /strata_movement_moved_bytes_total(\{[^}]*\})? 0/);
  t.same((await first.mc.movementStatus()).control, { maxBytesPerSec: 5000, paused: true });
  await first.stop();

  const second = await start(t, config);
  const s2 = await second.mc.movementStatus();
  t.same(s2.control, { maxBytesPerSec: 5000, paused: true }, 'the control survives a restart');
  t.same(s2.ringVersions, { object: 1, container: 1 }, 'so do the pushed rings');
  t.equal(s2.devices[0]!.handoffBytes, 300, 'the same node: the same handoffs');
});
