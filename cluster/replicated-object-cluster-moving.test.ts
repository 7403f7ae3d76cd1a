/**
 * Reads and writes of ReplicatedObjectCluster right after a ring change, before the replicators
 * moved anything: the data is only on the previous ring's primaries.
 */
import t, { type Test } from 'tap';
import { Readable } from 'node:stream';
import { ReplicatedObjectCluster } from './replicated-object-cluster.js';
import { resolveReplicatedClusterConfig, type ReplicatedClusterConfig } from './replicated-cluster-config.js';
import { FakeStorageNode } from './testing/fake-storage-node.js';
import { FakeRing } from './testing/fake-ring.js';
import { ringPath, type PlacementRing, type RingDevice } from './placement.js';
import { NodeClientPool } from './node-client-pool.js';

/** A FakeRing under another version number. */
function ringOf(version: number, devices: RingDevice[]): PlacementRing {
  const r = new FakeRing(devices);
  return {
    version, replicaCount: r.replicaCount,
    partOf: (p) => r.partOf(p), primaries: (x) => r.primaries(x), handoffs: (x) => r.handoffs(x),
  };
}

interface Harness {
  nodes: FakeStorageNode[];
  source: { ring: PlacementRing; listeners: Array<(r: PlacementRing) => void>; onReload(fn: (r: PlacementRing) => void): void };
  oldRing: PlacementRing;
  newRing: PlacementRing;
  cluster: ReplicatedObjectCluster;
  open(ring: PlacementRing): ReplicatedObjectCluster;
  /** Switches every ring to the new one, as a RingWatcher reload does. */
  reload(): void;
  holders(object: string): string[];
}

async function setup(t: Test, overrides: Partial<ReplicatedClusterConfig> = {}): Promise<Harness> {
  const nodes = Array.from({ length: 6 }, () => new FakeStorageNode());
  for (const n of nodes) await n.start();
  const devices = nodes.map((n, i) => ({ id: i, ip: '127.0.0.1', port: n.port, device: `d${i}` }));
  const oldRing = ringOf(1, devices);
  // Rotated by three: every partition gets three new primaries, none of them an old one.
  const newRing = ringOf(2, [...devices.slice(3), ...devices.slice(0, 3)]);
  const config = resolveReplicatedClusterConfig({
    peerSecret: 'p', connectTimeoutMs: 300, nodeTimeoutMs: 1000, chunkTimeoutMs: 1000, keepaliveMs: 0, chunkSize: 4096, ...overrides,
  });
  const pool = new NodeClientPool(config);
  const source: Harness['source'] = {
    ring: oldRing, listeners: [],
    onReload(fn) { this.listeners.push(fn); },
  };
  const open = (ring: PlacementRing): ReplicatedObjectCluster => {
    const fixed = { ring };
    return new ReplicatedObjectCluster({ rings: { account: fixed, container: fixed, object: fixed }, config, pool });
  };
  const cluster = new ReplicatedObjectCluster({ rings: { account: source, container: source, object: source }, config, pool });
  t.teardown(() => {
    pool.close();
    for (const n of nodes) n.stop();
  });
  const reload = (): void => {
    source.ring = newRing;
    for (const fn of source.listeners) fn(newRing);
  };
  const holders = (object: string): string[] =>
    nodes.flatMap((n, i) => {
      const o = n.objects.get(`d${i}/a/c/${object}`);
      return o && 'meta' in o ? [`d${i}`] : [];
    });
  return { nodes, source, oldRing, newRing, cluster, open, reload, holders };
}

const put = (c: ReplicatedObjectCluster, object: string, data: string) =>
  c.putObject({ account: 'a', container: 'c', object, body: Readable.from([Buffer.from(data)]), contentType: 'text/plain', metadata: {} });
const read = async (r: Readable): Promise<string> => {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts).toString();
};
const obj = (object: string) => ({ account: 'a', container: 'c', object });

t.test('ReplicatedObjectCluster.getObject() and headObject() find data only on the previous ring\'s primaries', async (t) => {
  const h = await setup(t);
  await h.cluster.putContainer({ account: 'a', container: 'c' }, {});
  await put(h.cluster, 'o', 'old place');
  const part = h.oldRing.partOf(ringPath('a', 'c', 'o'));
  t.same(h.holders('o').sort(), h.oldRing.primaries(part).map((d) => d.device).sort());
  h.reload();
  const fresh = h.open(h.newRing);
  await t.rejects(fresh.getObject(obj('o')), { code: 'NOT_FOUND' },
    'a client that never knew the old ring: three new primaries say "not found", handoffs are not trusted');
  t.equal(await read((await h.cluster.getObject(obj('o'))).body), 'old place', 'GET reaches the previous primaries');
  t.equal((await h.cluster.headObject(obj('o'))).size, 9, 'HEAD too');
  for (const d of h.newRing.primaries(part)) t.ok((h.nodes[d.id]!.calls.get('GetObject') ?? 0) >= 1, `new primary ${d.device} was asked first`);
  t.equal(await read((await h.cluster.getObject({ ...obj('o'), range: { start: 4, end: 8 } })).body), 'place', 'ranges too');
  await t.rejects(h.cluster.getObject(obj('never')), { code: 'NOT_FOUND' }, 'a missing object is still NOT_FOUND');
  await t.rejects(h.cluster.headObject(obj('never')), { code: 'NOT_FOUND' });
});

t.test('ReplicatedObjectCluster reads prefer any copy over new primaries that have none yet', async (t) => {
  const h = await setup(t);
  await h.cluster.putContainer({ account: 'a', container: 'c' }, {});
  await put(h.cluster, 'p', 'one copy moved');
  h.reload();
  const part = h.newRing.partOf(ringPath('a', 'c', 'p'));
  // The replicator moved one copy: one new primary has it, two do not.
  const [n0] = h.newRing.primaries(part);
  const [o0] = h.oldRing.primaries(part);
  h.nodes[n0!.id]!.objects.set(`${n0!.device}/a/c/p`, h.nodes[o0!.id]!.objects.get(`${o0!.device}/a/c/p`)!);
  const fresh = h.open(h.newRing);
  for (const c of [h.cluster, fresh]) {
    t.equal(await read((await c.getObject(obj('p'))).body), 'one copy moved');
    t.equal((await c.headObject(obj('p'))).size, 14, 'HEAD waits for the primary that has it');
  }
});

t.test('ReplicatedObjectCluster DELETE and POST while data moves reach the copies not moved yet', async (t) => {
  const h = await setup(t);
  await h.cluster.putContainer({ account: 'a', container: 'c' }, {});
  await put(h.cluster, 'd', 'to delete');
  await put(h.cluster, 'm', 'to update');
  h.reload();
  await h.cluster.postObject({ ...obj('m'), metadata: { 'x-object-meta-color': 'blue' } });
  t.equal((await h.cluster.headObject(obj('m'))).metadata['x-object-meta-color'], 'blue', 'POST reached the old copies');
  await h.cluster.deleteObject(obj('d'));
  t.same(h.holders('d'), [], 'tombstones on the previous primaries too');
  await t.rejects(h.cluster.getObject(obj('d')), { code: 'NOT_FOUND' }, 'the deleted object does not come back from its old place');
  await t.rejects(h.cluster.deleteObject(obj('d')), { code: 'NOT_FOUND' });
  await t.rejects(h.cluster.postObject({ ...obj('gone'), metadata: {} }), { code: 'NOT_FOUND' });
});

t.test('ReplicatedObjectCluster containers on their previous primaries: HEAD, listing and the PUT check', async (t) => {
  const h = await setup(t, { containerCacheTtlMs: 0 });
  await h.cluster.putContainer({ account: 'a', container: 'c' }, { 'x-container-meta-k': 'v' });
  h.reload();
  const fresh = h.open(h.newRing);
  await t.rejects(fresh.headContainer({ account: 'a', container: 'c' }), { code: 'NOT_FOUND' }, 'without the previous ring');
  t.equal((await h.cluster.headContainer({ account: 'a', container: 'c' })).metadata['x-container-meta-k'], 'v');
  t.same(await h.cluster.listContainer({ account: 'a', container: 'c' }, { limit: 10 }), []);
  await put(h.cluster, 'new', 'written after the change');
  const part = h.newRing.partOf(ringPath('a', 'c', 'new'));
  t.same(h.holders('new').sort(), h.newRing.primaries(part).map((d) => d.device).sort(), 'writes go to the new primaries only');
  await t.rejects(h.cluster.headContainer({ account: 'a', container: 'none' }), { code: 'NOT_FOUND' });
});

t.test('Placement notices a ring change without onReload and forgets nothing on a same-version reload', async (t) => {
  const h = await setup(t);
  const plain = { ring: h.oldRing };
  const c = new ReplicatedObjectCluster({
    rings: { account: plain, container: plain, object: plain },
    config: resolveReplicatedClusterConfig({ peerSecret: 'p', connectTimeoutMs: 300, nodeTimeoutMs: 1000, keepaliveMs: 0 }),
  });
  t.teardown(() => c.close());
  await c.putContainer({ account: 'a', container: 'c' }, {});
  await put(c, 'x', 'data');
  plain.ring = h.newRing;
  t.equal(await read((await c.getObject(obj('x'))).body), 'data', 'the change was noticed at the next request');
  // The same version loaded again (a new object, as after a file touch): still version 1 before it.
  const newRing = h.newRing;
  plain.ring = { ...newRing, partOf: (x) => newRing.partOf(x) };
  t.equal(await read((await c.getObject(obj('x'))).body), 'data', 'a reload of the same version keeps the previous ring');
});
