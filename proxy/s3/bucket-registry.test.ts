import t from 'tap';
import { silentLogger } from '../../common/index.js';
import { MemoryObjectCluster } from '../testing/memory-cluster.js';
import { BucketRegistry } from './bucket-registry.js';

t.test('BucketRegistry.claim() gives a name to one account only, across registries', async (t) => {
  const cluster = new MemoryObjectCluster();
  const a = new BucketRegistry(cluster, silentLogger());
  const b = new BucketRegistry(cluster, silentLogger()); // a second proxy
  const results = await Promise.all([a.claim('race', 'AUTH_a'), b.claim('race', 'AUTH_b')]);
  t.same(results.filter((r) => r === 'created').length, 1, 'exactly one winner');
  t.ok(results.includes('taken'));
  const owner = await a.owner('race');
  t.equal(await b.claim('race', owner!), 'owned');
  t.equal(await a.owner('never'), undefined);
});

t.test('BucketRegistry.release() frees the name only for its owner', async (t) => {
  const cluster = new MemoryObjectCluster();
  const r = new BucketRegistry(cluster, silentLogger());
  await r.claim('n', 'AUTH_a');
  await r.release('n', 'AUTH_b');
  t.equal(await r.owner('n'), 'AUTH_a');
  await r.release('n', 'AUTH_a');
  t.equal(await r.owner('n'), undefined);
  t.equal(await r.claim('n', 'AUTH_b'), 'created');
});
