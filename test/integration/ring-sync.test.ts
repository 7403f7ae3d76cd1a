/**
 * RingSync against real storage nodes: a ring pushed to the nodes (MovementService.PushRing)
 * reaches a client whose ring folder is its own (a proxy on another server) within a few sync
 * rounds, and the client keeps reading and writing with it.
 */
import t from 'tap';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { decodeRing, encodeRing, ringFilePath } from '../../ring/index.js';
import { DEFAULT_NODE_CLIENT_CONFIG, MovementClientPool, openReplicatedCluster } from '../../cluster/index.js';
import { startTestCluster } from './cluster.js';

t.test('a ring pushed to the storage nodes reaches a client with its own ring folder', async (t) => {
  const c = await startTestCluster(t, { nodes: 3, replicas: 2, partPower: 4 });
  const own = join(c.dir, 'proxy-rings');
  await mkdir(own);
  for (const name of ['account', 'container', 'object'] as const) await copyFile(ringFilePath(c.ringDir, name), ringFilePath(own, name));
  const opened = await openReplicatedCluster({
    ringDir: own, config: { peerSecret: c.peerSecret, connectTimeoutMs: 1000, nodeTimeoutMs: 5000 }, ringPollMs: 50, ringSyncMs: 100,
  });
  t.teardown(() => opened.close());
  const { cluster } = opened;
  await cluster.putContainer({ account: 'a', container: 'c' }, {});
  await cluster.putObject({ account: 'a', container: 'c', object: 'before', body: Readable.from([Buffer.from('x')]), contentType: '', metadata: {} });

  const old = await decodeRing(await readFile(ringFilePath(c.ringDir, 'object')));
  const next = await encodeRing({ ...old, version: old.version + 1 });
  const pool = new MovementClientPool({ ...DEFAULT_NODE_CLIENT_CONFIG, peerSecret: c.peerSecret });
  t.teardown(() => pool.close());
  for (const n of c.nodes) {
    const res = await pool.get('127.0.0.1', n.port).pushRing({ name: 'object', data: next, force: false });
    t.equal(res.version, old.version + 1, `node ${n.index} uses the pushed ring`);
  }
  const deadline = Date.now() + 15_000;
  while (opened.ringVersions().object !== old.version + 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  t.equal(opened.ringVersions().object, old.version + 1, 'the client fetched and loaded it');
  t.equal((await decodeRing(await readFile(ringFilePath(own, 'object')))).version, old.version + 1, 'written into its own folder');
  t.equal(opened.ringVersions().account, old.version, 'the other rings are unchanged');
  await cluster.putObject({ account: 'a', container: 'c', object: 'after', body: Readable.from([Buffer.from('y')]), contentType: '', metadata: {} });
  t.equal((await cluster.headObject({ account: 'a', container: 'c', object: 'before' })).size, 1);
  t.equal((await cluster.headObject({ account: 'a', container: 'c', object: 'after' })).size, 1);
});
