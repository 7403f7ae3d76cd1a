import t from 'tap';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { ReplicatedObjectCluster } from './replicated-object-cluster.js';
import { resolveReplicatedClusterConfig } from './replicated-cluster-config.js';
import { FakeStorageNode } from './testing/fake-storage-node.js';
import { FakeRing } from './testing/fake-ring.js';
import { NodeClientPool } from './node-client-pool.js';
import { ringPath } from './placement.js';
import { readSmallBody } from './put-small-fanout.js';

async function setup(t: { teardown(fn: () => void): void }, maxHandoffs = 2) {
  const nodes = Array.from({ length: 4 }, () => new FakeStorageNode());
  for (const n of nodes) await n.start();
  const ring = new FakeRing(nodes.map((n, i) => ({ id: i, ip: '127.0.0.1', port: n.port, device: `d${i}` })));
  const config = resolveReplicatedClusterConfig({
    peerSecret: 'p', connectTimeoutMs: 300, nodeTimeoutMs: 1000, chunkTimeoutMs: 1000, keepaliveMs: 0, chunkSize: 4096, maxHandoffs,
  });
  const pool = new NodeClientPool(config);
  const cluster = new ReplicatedObjectCluster({ rings: { account: ring, container: ring, object: ring }, config, pool });
  t.teardown(() => { pool.close(); for (const n of nodes) n.stop(); });
  await cluster.putContainer({ account: 'a', container: 'c' }, {});
  const copies = (object: string): Buffer[] => nodes.flatMap((n, i) => {
    const o = n.objects.get(`d${i}/a/c/${object}`);
    return o && 'meta' in o ? [o.data] : [];
  });
  const calls = (name: string): number => nodes.reduce((sum, n) => sum + (n.calls.get(name) ?? 0), 0);
  const primaries = (object: string) => ring.primaries(ring.partOf(ringPath('a', 'c', object)));
  return { nodes, pool, cluster, copies, calls, primaries };
}

const bytes = (n: number, seed = 1) => Buffer.from(Array.from({ length: n }, (_, i) => (i * seed + 7) % 251));
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const put = (cluster: ReplicatedObjectCluster, object: string, data: Buffer, extra: Record<string, unknown> = {}) =>
  cluster.putObject({ account: 'a', container: 'c', object, body: Readable.from([data.subarray(0, 1000), data.subarray(1000)]), contentType: 'x', metadata: {}, contentLength: data.length, ...extra });

t.test('putObject() sends a body of at most one chunk as one PutSmallObject per replica', async (t) => {
  const h = await setup(t);
  const small = bytes(4096);
  const res = await put(h.cluster, 'small', small, { expectedEtag: md5(small) });
  t.equal(res.etag, md5(small));
  t.equal(h.calls('PutSmallObject'), 3, 'one call per replica');
  t.equal(h.calls('PutObject'), 0, 'no stream');
  t.same(h.copies('small'), [small, small, small], 'three identical copies');
  await put(h.cluster, 'big', bytes(4097, 3));
  t.equal(h.calls('PutObject'), 3, 'a body over one chunk streams');
  t.equal(h.calls('PutSmallObject'), 3);
  await h.cluster.putObject({ account: 'a', container: 'c', object: 'chunked', body: Readable.from([bytes(10)]), contentType: 'x', metadata: {} });
  t.equal(h.calls('PutObject'), 6, 'a body of unknown length streams');
});

t.test('putObject() of a small body moves a down primary to a handoff', async (t) => {
  const h = await setup(t);
  const down = h.primaries('o')[0]!;
  h.nodes[down.id]!.stop();
  const client = h.pool.get('127.0.0.1', h.nodes[down.id]!.port);
  for (let i = 0; i < 200 && client.isConnected(); i++) await new Promise((r) => setTimeout(r, 5));
  const data = bytes(2000, 5);
  await put(h.cluster, 'o', data);
  t.same(h.copies('o'), [data, data, data], 'three copies, one on a handoff');
  t.notOk(h.nodes[down.id]!.objects.has(`d${down.id}/a/c/o`));
});

t.test('putObject() of a small body needs a quorum and keeps definitive errors', async (t) => {
  const h = await setup(t, 0);
  const [p0, p1] = h.primaries('q');
  h.nodes[p0!.id]!.failWith = 'NO_SPACE';
  await put(h.cluster, 'q', bytes(100));
  t.equal(h.copies('q').length, 2, 'one failed replica: still a quorum');
  h.nodes[p1!.id]!.failWith = 'NO_SPACE';
  await t.rejects(put(h.cluster, 'q', bytes(100, 3)), { code: 'QUORUM_NOT_MET' }, 'two failed replicas, no handoffs');
  h.nodes[p0!.id]!.failWith = undefined;
  h.nodes[p1!.id]!.failWith = undefined;
  await t.rejects(put(h.cluster, 'e', bytes(100), { expectedEtag: 'f'.repeat(32) }), { code: 'CHECKSUM_MISMATCH' });
  t.same(h.copies('e'), [], 'nothing stored with a wrong ETag');
});

t.test('putObject() of a small body streams to a node of an older release', async (t) => {
  const h = await setup(t);
  const [old] = h.primaries('u');
  h.nodes[old!.id]!.withoutSmallPut = true;
  const data = bytes(300, 7);
  await put(h.cluster, 'u', data);
  t.same(h.copies('u'), [data, data, data], 'every replica stored it');
  t.equal(h.nodes[old!.id]!.calls.get('PutObject'), 1, 'the older node got a stream');
});

t.test('readSmallBody() refuses a body shorter or longer than announced, or one that fails', async (t) => {
  t.same(await readSmallBody(Readable.from([Buffer.from('ab'), Buffer.from('c')]), 3, 'PUT'), Buffer.from('abc'));
  await t.rejects(readSmallBody(Readable.from([Buffer.from('ab')]), 3, 'PUT'), { code: 'INVALID_ARGUMENT', message: /ended after 2 of 3/ });
  await t.rejects(readSmallBody(Readable.from([Buffer.from('abcd')]), 3, 'PUT'), { code: 'INVALID_ARGUMENT', message: /longer than Content-Length 3/ });
  const broken = new Readable({ read() { this.destroy(new Error('client went away')); } });
  await t.rejects(readSmallBody(broken, 3, 'PUT'), { code: 'INVALID_ARGUMENT', message: /client went away/ });
});
