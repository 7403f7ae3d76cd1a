import t from 'tap';
import { Readable } from 'node:stream';
import { FakeStorageNode } from './testing/fake-storage-node.js';
import { FakeRing } from './testing/fake-ring.js';
import { NodeClientPool } from './node-client-pool.js';
import { ReplicatedObjectCluster } from './replicated-object-cluster.js';
import { resolveReplicatedClusterConfig } from './replicated-cluster-config.js';
import { locateObject, parseObjectPath } from './object-locator.js';
import { ringPath } from './placement.js';

t.test('parseObjectPath() splits account, container and an object with slashes', async (t) => {
  t.same(parseObjectPath('/a/c/dir/o'), { account: 'a', container: 'c', object: 'dir/o' });
  t.same(parseObjectPath('a/c/o'), { account: 'a', container: 'c', object: 'o' });
  for (const bad of ['/a/c', '/a', '', '//c/o', '/a//o']) t.throws(() => parseObjectPath(bad), { code: 'INVALID_ARGUMENT' }, bad);
});

t.test('locateObject() reports primaries, handoffs and what each device holds', async (t) => {
  const nodes = Array.from({ length: 5 }, () => new FakeStorageNode());
  for (const n of nodes) await n.start();
  const ring = new FakeRing(nodes.map((n, i) => ({ id: i, ip: '127.0.0.1', port: n.port, device: `d${i}` })));
  const config = resolveReplicatedClusterConfig({ peerSecret: 'p', connectTimeoutMs: 300, nodeTimeoutMs: 500, keepaliveMs: 0 });
  const pool = new NodeClientPool(config);
  const cluster = new ReplicatedObjectCluster({ rings: { account: ring, container: ring, object: ring }, config, pool });
  t.teardown(() => { pool.close(); for (const n of nodes) n.stop(); });
  await cluster.putContainer({ account: 'a', container: 'c' }, {});
  const res = await cluster.putObject({ account: 'a', container: 'c', object: 'x/y', body: Readable.from([Buffer.from('hello')]), contentType: 't', metadata: {} });
  const part = ring.partOf(ringPath('a', 'c', 'x/y'));
  const [p0, p1] = ring.primaries(part);
  nodes[p0!.id]!.objects.delete(`${p0!.device}/a/c/x/y`);
  nodes[p1!.id]!.stop();

  const rep = await locateObject(ring, pool, '/a/c/x/y', { handoffs: 1, timeoutMs: 500 });
  t.equal(rep.partition, part);
  t.equal(rep.replicas.length, 4, '3 primaries and 1 handoff');
  t.same(rep.replicas.map((r) => r.role), ['primary', 'primary', 'primary', 'handoff']);
  t.same(rep.replicas.map((r) => r.state), ['missing', 'error', 'found', 'missing']);
  const found = rep.replicas[2]!;
  t.equal(found.timestamp, res.timestamp);
  t.equal(found.size, 5);
  t.equal(found.etag, res.etag);
  t.match(found.dataPath, /\/fake\/d\d\/a\/c\/x\/y/);
  t.equal(rep.replicas[1]!.errorCode, 'UNAVAILABLE');
  await t.rejects(locateObject(ring, pool, '/bad'), { code: 'INVALID_ARGUMENT' });
});
