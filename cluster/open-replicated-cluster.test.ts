import t from 'tap';
import { writeFile } from 'node:fs/promises';
import { RingBuilder, encodeRing, ringFilePath } from '../ring/index.js';
import { openReplicatedCluster } from './open-replicated-cluster.js';
import { FakeMovementNode } from './testing/fake-movement-node.js';

t.test('openReplicatedCluster() with ringSyncMs follows a ring a storage node uses', async (t) => {
  const node = new FakeMovementNode();
  await node.start();
  t.teardown(() => node.stop());
  const b = RingBuilder.create({ partPower: 4, replicas: 1, minPartHours: 0, hashSecret: 'salt' });
  b.addDevice({ region: 0, zone: 0, ip: '127.0.0.1', port: node.port, device: 'd0', weight: 1, meta: '' });
  b.rebalance({ seed: 1 });
  const dir = t.testdir({});
  for (const name of ['account', 'container', 'object'] as const) {
    await writeFile(ringFilePath(dir, name), await encodeRing(b.ringData()));
    await node.serve(name, b.ringData());
  }
  const opened = await openReplicatedCluster({ ringDir: dir, config: { peerSecret: 's' }, ringPollMs: 20, ringSyncMs: 20 });
  t.teardown(() => opened.close());
  t.ok(opened.ringSync, 'a ring sync runs');
  t.same(opened.ringVersions(), { account: 1, container: 1, object: 1 });
  await node.serve('object', { ...b.ringData(), version: 2 });
  const deadline = Date.now() + 5_000;
  while (opened.ringVersions().object !== 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.same(opened.ringVersions(), { account: 1, container: 1, object: 2 }, 'fetched, written and loaded without a restart');

  const tool = await openReplicatedCluster({ ringDir: dir, config: { peerSecret: 's' } });
  t.teardown(() => tool.close());
  t.equal(tool.ringSync, undefined, 'no ring sync without ringSyncMs (short-lived tools)');
});
