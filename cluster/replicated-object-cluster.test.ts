import t from 'tap';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { ManualClock } from '../common/index.js';
import { ReplicatedObjectCluster } from './replicated-object-cluster.js';
import { resolveReplicatedClusterConfig, type ReplicatedClusterConfig } from './replicated-cluster-config.js';
import { FakeStorageNode } from './testing/fake-storage-node.js';
import { FakeRing } from './testing/fake-ring.js';
import { ringPath } from './placement.js';
import { NodeClientPool } from './node-client-pool.js';

interface Harness {
  nodes: FakeStorageNode[];
  pool: NodeClientPool;
  ring: FakeRing;
  cluster: ReplicatedObjectCluster;
  /** Device names holding a live copy of a/c/o. */
  holders(object: string): string[];
}

async function setup(t: { teardown(fn: () => void): void }, overrides: Partial<ReplicatedClusterConfig> = {}, clock?: ManualClock): Promise<Harness> {
  const nodes = Array.from({ length: 4 }, () => new FakeStorageNode());
  for (const n of nodes) await n.start();
  const ring = new FakeRing(nodes.map((n, i) => ({ id: i, ip: '127.0.0.1', port: n.port, device: `d${i}` })));
  const config = resolveReplicatedClusterConfig({
    peerSecret: 'p', connectTimeoutMs: 300, nodeTimeoutMs: 1000, chunkTimeoutMs: 1000, keepaliveMs: 0, chunkSize: 4096, ...overrides,
  });
  const pool = new NodeClientPool(config);
  const cluster = new ReplicatedObjectCluster({ rings: { account: ring, container: ring, object: ring }, config, clock, pool });
  t.teardown(() => {
    pool.close();
    for (const n of nodes) n.stop();
  });
  const holders = (object: string): string[] =>
    nodes.flatMap((n, i) => {
      const o = n.objects.get(`d${i}/a/c/${object}`);
      return o && 'meta' in o ? [`d${i}`] : [];
    });
  return { nodes, pool, ring, cluster, holders };
}

const body = (size: number, seed = 1): Buffer => Buffer.from(Array.from({ length: size }, (_, i) => (i * seed) % 251));
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');
const put = (h: Harness, object: string, data: Buffer, extra: Record<string, unknown> = {}) =>
  h.cluster.putObject({ account: 'a', container: 'c', object, body: Readable.from([data]), contentType: 'application/x', metadata: { 'x-object-meta-k': 'v' }, ...extra });
const read = async (r: Readable): Promise<Buffer> => {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
};

t.test('ReplicatedObjectCluster.putObject() writes the primaries and getObject() reads it back', async (t) => {
  const h = await setup(t);
  await h.cluster.putContainer({ account: 'a', container: 'c' }, {});
  const data = body(50_000);
  const res = await put(h, 'o1', data, { contentLength: data.length, expectedEtag: md5(data) });
  t.equal(res.etag, md5(data));
  t.equal(res.size, data.length);
  const part = h.ring.partOf(ringPath('a', 'c', 'o1'));
  t.same(h.holders('o1').sort(), h.ring.primaries(part).map((d) => d.device).sort(), 'exactly the primaries');
  const got = await h.cluster.getObject({ account: 'a', container: 'c', object: 'o1' });
  t.same(await read(got.body), data);
  t.equal(got.meta.etag, md5(data));
  t.equal(got.meta.metadata['x-object-meta-k'], 'v');
  const ranged = await h.cluster.getObject({ account: 'a', container: 'c', object: 'o1', range: { start: 10, end: 19 } });
  t.same(await read(ranged.body), data.subarray(10, 20));
  t.same(ranged.range, { start: 10, end: 19 });
  const head = await h.cluster.headObject({ account: 'a', container: 'c', object: 'o1' });
  t.equal(head.timestamp, res.timestamp);
  // Every container primary is told about the write by some object replica.
  const cpart = h.ring.partOf(ringPath('a', 'c'));
  const told = h.nodes.flatMap((n, i) => {
    const o = n.objects.get(`d${i}/a/c/o1`);
    return o && 'meta' in o ? o.containerUpdates.map((u) => u.device) : [];
  });
  t.same([...new Set(told)].sort(), h.ring.primaries(cpart).map((d) => d.device).sort());
});

t.test('ReplicatedObjectCluster.putObject() replaces a down primary with a handoff', async (t) => {
  const h = await setup(t);
  await h.cluster.putContainer({ account: 'a', container: 'c' }, {});
  const part = h.ring.partOf(ringPath('a', 'c', 'o2'));
  const downId = h.ring.primaries(part)[0]!.id;
  h.nodes[downId]!.stop();
  // As after a SIGKILL: the pooled connection notices the reset within milliseconds.
  const client = h.pool.get('127.0.0.1', h.nodes[downId]!.port);
  for (let i = 0; i < 200 && client.isConnected(); i++) await new Promise((r) => setTimeout(r, 5));
  const data = body(10_000, 3);
  await put(h, 'o2', data);
  t.equal(h.holders('o2').length, 3, 'three copies, one on the handoff');
  t.notOk(h.holders('o2').includes(`d${downId}`));
  const got = await h.cluster.getObject({ account: 'a', container: 'c', object: 'o2' });
  t.same(await read(got.body), data);
});

t.test('ReplicatedObjectCluster.putObject() fails with QUORUM_NOT_MET without a majority', async (t) => {
  const h = await setup(t, { maxHandoffs: 0 });
  await h.cluster.putContainer({ account: 'a', container: 'c' }, {});
  const part = h.ring.partOf(ringPath('a', 'c', 'o3'));
  for (const d of h.ring.primaries(part).slice(0, 2)) h.nodes[d.id]!.stop();
  await t.rejects(put(h, 'o3', body(100)), { code: 'QUORUM_NOT_MET' });
});

t.test('ReplicatedObjectCluster.putObject() drops a replica that fails and keeps the quorum', async (t) => {
  const h = await setup(t, { errorLimitThreshold: 2 });
  await h.cluster.putContainer({ account: 'a', container: 'c' }, {});
  const part = h.ring.partOf(ringPath('a', 'c', 'o4'));
  const full = h.ring.primaries(part)[1]!;
  h.nodes[full.id]!.failWith = 'NO_SPACE';
  await put(h, 'o4', body(20_000));
  t.equal(h.holders('o4').length, 2);
  await put(h, 'o4', body(20_000));
  t.ok(h.cluster.limiter.isLimited(`127.0.0.1:${full.port}/${full.device}`), 'the full device is avoided');
  await put(h, 'o4', body(20_000, 5));
  t.equal(h.holders('o4').length, 3, 'a handoff took its place');
});

t.test('ReplicatedObjectCluster.putObject() enforces length, ETag, If-None-Match and the container', async (t) => {
  const h = await setup(t);
  await t.rejects(put(h, 'x', body(10)), { code: 'NOT_FOUND' }, 'no container');
  await h.cluster.putContainer({ account: 'a', container: 'c' }, {});
  await t.rejects(put(h, 'x', body(10), { contentLength: 11 }), { code: 'INVALID_ARGUMENT', message: /ended after 10 of 11/ });
  await t.rejects(put(h, 'x', body(10), { contentLength: 9 }), { code: 'INVALID_ARGUMENT', message: /longer/ });
  await t.rejects(put(h, 'x', body(10), { expectedEtag: 'f'.repeat(32) }), { code: 'CHECKSUM_MISMATCH' });
  t.same(h.holders('x'), [], 'nothing committed');
  await put(h, 'x', body(10), { ifNoneMatchAny: true });
  await t.rejects(put(h, 'x', body(10), { ifNoneMatchAny: true }), { code: 'PRECONDITION_FAILED' });
  const broken = new Readable({ read() { this.destroy(new Error('client went away')); } });
  await t.rejects(h.cluster.putObject({ account: 'a', container: 'c', object: 'y', body: broken, contentType: '', metadata: {} }), { code: 'INVALID_ARGUMENT', message: /client went away/ });
});

t.test('ReplicatedObjectCluster reads: NOT_FOUND, tombstones beat stale handoffs, all down', async (t) => {
  const h = await setup(t);
  await h.cluster.putContainer({ account: 'a', container: 'c' }, {});
  await t.rejects(h.cluster.getObject({ account: 'a', container: 'c', object: 'none' }), { code: 'NOT_FOUND' });
  await t.rejects(h.cluster.headObject({ account: 'a', container: 'c', object: 'none' }), { code: 'NOT_FOUND' });
  await t.rejects(h.cluster.deleteObject({ account: 'a', container: 'c', object: 'none' }), { code: 'NOT_FOUND' });
  const part = h.ring.partOf(ringPath('a', 'c', 'old'));
  const handoff = [...h.ring.handoffs(part)][0]!;
  // A stale copy on the handoff, deleted everywhere else.
  h.nodes[handoff.id]!.objects.set(`${handoff.device}/a/c/old`, {
    data: Buffer.from('stale'), containerUpdates: [],
    meta: { size: 5, etag: md5(Buffer.from('stale')), checksum: '', contentType: '', timestamp: '1000000000.00000', metaTimestamp: '1000000000.00000', deleteAtMs: 0, metadata: {} },
  });
  await put(h, 'old', body(10));
  await h.cluster.deleteObject({ account: 'a', container: 'c', object: 'old' });
  await t.rejects(h.cluster.getObject({ account: 'a', container: 'c', object: 'old' }), { code: 'NOT_FOUND' });
  const nonePart = h.ring.partOf(ringPath('a', 'c', 'none'));
  for (const d of h.ring.primaries(nonePart)) h.nodes[d.id]!.stop();
  await t.rejects(h.cluster.getObject({ account: 'a', container: 'c', object: 'none' }), { code: 'QUORUM_NOT_MET' },
    'a handoff saying "not found" proves nothing while every primary is down');
  for (const n of h.nodes) n.stop();
  await t.rejects(h.cluster.getObject({ account: 'a', container: 'c', object: 'old' }), { code: 'QUORUM_NOT_MET' });
});

t.test('ReplicatedObjectCluster hides expired objects and applies POST', async (t) => {
  const clock = new ManualClock(1_700_000_000_000);
  const h = await setup(t, {}, clock);
  await h.cluster.putContainer({ account: 'a', container: 'c' }, {});
  await put(h, 'e', body(10), { deleteAtMs: clock.nowMs() + 1000 });
  await h.cluster.postObject({ account: 'a', container: 'c', object: 'e', metadata: { 'x-object-meta-new': '1' } });
  t.equal((await h.cluster.headObject({ account: 'a', container: 'c', object: 'e' })).metadata['x-object-meta-new'], '1');
  clock.advance(1001);
  await t.rejects(h.cluster.headObject({ account: 'a', container: 'c', object: 'e' }), { code: 'NOT_FOUND' });
  await t.rejects(h.cluster.getObject({ account: 'a', container: 'c', object: 'e' }), { code: 'NOT_FOUND' });
  await t.rejects(h.cluster.postObject({ account: 'a', container: 'c', object: 'missing', metadata: {} }), { code: 'NOT_FOUND' });
});

t.test('ReplicatedObjectCluster error-limits a failing node and stops asking it', async (t) => {
  const h = await setup(t, { errorLimitThreshold: 2 });
  await h.cluster.putContainer({ account: 'a', container: 'c' }, {});
  await put(h, 'l', body(10));
  const part = h.ring.partOf(ringPath('a', 'c', 'l'));
  const first = h.ring.primaries(part)[0]!;
  h.nodes[first.id]!.failWith = 'INTERNAL';
  for (let i = 0; i < 2; i++) await read((await h.cluster.getObject({ account: 'a', container: 'c', object: 'l' })).body);
  const before = h.nodes[first.id]!.calls.get('GetObject');
  await read((await h.cluster.getObject({ account: 'a', container: 'c', object: 'l' })).body);
  t.equal(h.nodes[first.id]!.calls.get('GetObject'), before, 'the limited node was skipped');
});

t.test('ReplicatedObjectCluster containers and accounts', async (t) => {
  const h = await setup(t);
  t.same(await h.cluster.putContainer({ account: 'a', container: 'k' }, { 'x-container-meta-a': '1' }), { created: true });
  t.same(await h.cluster.putContainer({ account: 'a', container: 'k' }, {}), { created: false });
  await h.cluster.postContainer({ account: 'a', container: 'k' }, { 'x-container-meta-b': '2' });
  const info = await h.cluster.headContainer({ account: 'a', container: 'k' });
  t.equal(info.metadata['x-container-meta-b'], '2');
  t.ok(info.createdAtMs > 0);
  t.same(await h.cluster.listContainer({ account: 'a', container: 'k' }, { limit: 10 }), []);
  await h.cluster.deleteContainer({ account: 'a', container: 'k' });
  await t.rejects(h.cluster.headContainer({ account: 'a', container: 'k' }), { code: 'NOT_FOUND' });
  await t.rejects(h.cluster.deleteContainer({ account: 'a', container: 'k' }), { code: 'NOT_FOUND' });
  await t.rejects(h.cluster.postContainer({ account: 'a', container: 'k' }, {}), { code: 'NOT_FOUND' });
  t.same(await h.cluster.headAccount('never'), { containerCount: 0, objectCount: 0, bytesUsed: 0, metadata: {} });
  t.same(await h.cluster.listAccount('never', { limit: 10 }), []);
  for (const n of h.nodes) n.stop();
  await t.rejects(h.cluster.headAccount('never'), { code: 'QUORUM_NOT_MET' });
  await t.rejects(h.cluster.putContainer({ account: 'a', container: 'z' }, {}), { code: 'QUORUM_NOT_MET' });
});

t.test('ReplicatedObjectCluster.getObject() resumes a broken body on another replica', async (t) => {
  const h = await setup(t);
  await h.cluster.putContainer({ account: 'a', container: 'c' }, {});
  const data = body(10_000, 7);
  await put(h, 'r', data);
  const primaries = h.ring.primaries(h.ring.partOf(ringPath('a', 'c', 'r')));
  h.nodes[primaries[0]!.id]!.breakGetAfterBytes = 3000;
  const got = await h.cluster.getObject({ account: 'a', container: 'c', object: 'r' });
  t.same(await read(got.body), data, 'whole object');
  const ranged = await h.cluster.getObject({ account: 'a', container: 'c', object: 'r', range: { start: 1000, end: 8999 } });
  t.same(await read(ranged.body), data.subarray(1000, 9000), 'range');
  // A replica with another version is not spliced in.
  const other = h.nodes[primaries[1]!.id]!.objects.get(`${primaries[1]!.device}/a/c/r`);
  if (other && 'meta' in other) other.meta = { ...other.meta, timestamp: '0000000001.00000' };
  h.nodes[primaries[2]!.id]!.breakGetAfterBytes = 2000;
  const broken = await h.cluster.getObject({ account: 'a', container: 'c', object: 'r' });
  await t.rejects(read(broken.body), { code: 'UNAVAILABLE', message: /no other replica has this version/ });
});

t.test('ReplicatedObjectCluster.headObject() returns the newest of the primaries\' answers', async (t) => {
  const h = await setup(t);
  await h.cluster.putContainer({ account: 'a', container: 'c' }, {});
  await put(h, 'v', body(10));
  const newer = await put(h, 'v', body(20));
  const primaries = h.ring.primaries(h.ring.partOf(ringPath('a', 'c', 'v')));
  // Make the first primary answer with an older version, as after a missed write.
  const first = h.nodes[primaries[0]!.id]!.objects.get(`${primaries[0]!.device}/a/c/v`);
  if (first && 'meta' in first) first.meta = { ...first.meta, size: 10, timestamp: '0000000001.00000', metaTimestamp: '0000000001.00000' };
  const head = await h.cluster.headObject({ account: 'a', container: 'c', object: 'v' });
  t.equal(head.timestamp, newer.timestamp);
  t.equal(head.size, 20);
});

t.test('ReplicatedObjectCluster.headObject() does not wait for a hung primary once a quorum answered', async (t) => {
  const h = await setup(t, { nodeTimeoutMs: 5000 });
  await h.cluster.putContainer({ account: 'a', container: 'c' }, {});
  await put(h, 'hung', body(10));
  const primaries = h.ring.primaries(h.ring.partOf(ringPath('a', 'c', 'hung')));
  let release!: () => void;
  h.nodes[primaries[0]!.id]!.holdUnary = new Promise<void>((r) => { release = r; });
  t.teardown(() => release());
  const t0 = Date.now();
  t.equal((await h.cluster.headObject({ account: 'a', container: 'c', object: 'hung' })).size, 10);
  t.ok(Date.now() - t0 < 2000, 'answered without the hung node');
});
