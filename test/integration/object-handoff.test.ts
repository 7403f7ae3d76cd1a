// Faults: storage nodes killed with SIGKILL under ReplicatedObjectCluster (4 nodes, 3 replicas).
// Writes move to handoffs, reads fail over, and without a majority writes fail with
// QUORUM_NOT_MET. Needs `npm run build`.
import t from 'tap';
import { Readable } from 'node:stream';
import { Ring, ringFilePath } from '../../ring/index.js';
import { ringPath } from '../../cluster/index.js';
import { startTestCluster } from './cluster.js';

const acct = 'AUTH_h';
const body = (name: string): Buffer => Buffer.from(`${name}:`.repeat(2000));
const read = async (r: Readable): Promise<Buffer> => {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
};

t.test('writes and reads survive killed storage nodes; no majority means QUORUM_NOT_MET', async (t) => {
  const c = await startTestCluster(t, { nodes: 4, replicas: 3 });
  const { cluster } = await c.openCluster({ connectTimeoutMs: 500, nodeTimeoutMs: 3000 });
  const put = (object: string) => cluster.putObject({ account: acct, container: 'c', object, body: Readable.from([body(object)]), contentType: 'text/plain', metadata: {} });
  await cluster.putContainer({ account: acct, container: 'c' }, {});
  const ring = await Ring.load(ringFilePath(c.ringDir, 'object'));

  // A node dies in the middle of a stream of writes: every acknowledged write reads back.
  const acked: string[] = [];
  for (let i = 0; i < 30; i++) {
    if (i === 10) await c.kill(1);
    const name = `stream-${i}`;
    try {
      await put(name);
      acked.push(name);
    } catch (err) {
      t.comment(`write ${name} failed: ${(err as Error).message}`);
    }
  }
  t.ok(acked.length >= 28, `almost every write succeeded with one node down (${acked.length}/30)`);
  const onHandoff = acked.filter((n) => ring.primaries(ring.partOf(ringPath(acct, 'c', n))).some((d) => d.port === c.nodes[1]!.port));
  t.ok(onHandoff.length > 0, 'some writes had the killed node as a primary');
  for (const name of acked) {
    const got = await cluster.getObject({ account: acct, container: 'c', object: name });
    t.ok((await read(got.body)).equals(body(name)), `${name} reads back with node 1 down`);
  }

  // Back again: reads still succeed (the restarted node lacks some objects until replication).
  await c.restart(1);
  for (const name of acked.slice(0, 15)) {
    const head = await cluster.headObject({ account: acct, container: 'c', object: name });
    t.equal(head.size, body(name).length);
  }

  // Two nodes down: an object whose primaries include both cannot reach a majority of primaries.
  await c.kill(1);
  await c.kill(2);
  const downPorts = new Set([c.nodes[1]!.port, c.nodes[2]!.port]);
  let victim = '';
  for (let i = 0; i < 1000 && !victim; i++) {
    const primaries = ring.primaries(ring.partOf(ringPath(acct, 'c', `q-${i}`)));
    if (primaries.filter((d) => downPorts.has(d.port)).length === 2) victim = `q-${i}`;
  }
  t.ok(victim, 'found an object with both dead nodes as primaries');
  const { cluster: noHandoffs } = await c.openCluster({ connectTimeoutMs: 500, maxHandoffs: 0 });
  await t.rejects(noHandoffs.putObject({ account: acct, container: 'c', object: victim, body: Readable.from([body(victim)]), contentType: '', metadata: {} }), { code: 'QUORUM_NOT_MET' });
  await c.kill(3);
  await t.rejects(put('after-three-down'), { code: 'QUORUM_NOT_MET' }, 'three of four nodes down: no majority even with handoffs');
  const survivor = acked.find((n) => ring.primaries(ring.partOf(ringPath(acct, 'c', n))).some((d) => d.port === c.nodes[0]!.port));
  if (survivor) {
    const got = await cluster.getObject({ account: acct, container: 'c', object: survivor });
    t.ok((await read(got.body)).equals(body(survivor)), 'a read still succeeds from the last node');
  }
});
