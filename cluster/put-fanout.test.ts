import t from 'tap';
import { Readable } from 'node:stream';
import { ReplicatedObjectCluster } from './replicated-object-cluster.js';
import { resolveReplicatedClusterConfig } from './replicated-cluster-config.js';
import { FakeStorageNode } from './testing/fake-storage-node.js';
import { FakeRing } from './testing/fake-ring.js';
import { ringPath } from './placement.js';

t.test('putFanout() pauses the source while one replica is not reading', async (t) => {
  const nodes = Array.from({ length: 3 }, () => new FakeStorageNode());
  for (const n of nodes) {
    await n.start();
    n.discardData = true;
  }
  const ring = new FakeRing(nodes.map((n, i) => ({ id: i, ip: '127.0.0.1', port: n.port, device: `d${i}` })));
  const config = resolveReplicatedClusterConfig({ peerSecret: 'p', chunkTimeoutMs: 10_000, keepaliveMs: 0 });
  const cluster = new ReplicatedObjectCluster({ rings: { account: ring, container: ring, object: ring }, config });
  t.teardown(() => { cluster.close(); for (const n of nodes) n.stop(); });
  await cluster.putContainer({ account: 'a', container: 'c' }, {});

  let release!: () => void;
  const slow = nodes[ring.primaries(ring.partOf(ringPath('a', 'c', 'big')))[1]!.id]!;
  slow.holdUploads = new Promise<void>((r) => { release = r; });
  const total = 24 * 1024 * 1024;
  let produced = 0;
  const chunk = Buffer.alloc(64 * 1024, 7);
  const source = new Readable({
    read() {
      if (produced >= total) return void this.push(null);
      produced += chunk.length;
      this.push(chunk);
    },
  });
  const done = cluster.putObject({ account: 'a', container: 'c', object: 'big', body: source, contentType: '', metadata: {}, contentLength: total });
  // Poll until the source stops moving: it must stall far below the body size.
  let last = -1;
  for (let i = 0; i < 100 && produced !== last; i++) {
    last = produced;
    await new Promise((r) => setTimeout(r, 50));
  }
  t.ok(produced < 16 * 1024 * 1024, `the source stalled at ${produced} bytes of ${total}`);
  t.equal(slow.receivedBytes, 0, 'the slow replica has read nothing');
  release();
  const res = await done;
  t.equal(res.size, total);
  t.equal(slow.receivedBytes, total, 'the slow replica got everything in the end');
});
