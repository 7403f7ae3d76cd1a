import { PassThrough } from 'node:stream';
import t from 'tap';
import { ManualClock } from '../../common/index.js';
import { MemoryObjectCluster } from './memory-cluster.js';
import { objectClusterSuite } from './object-cluster.suite.js';

t.test('MemoryObjectCluster meets the ObjectCluster contract', async (t) => {
  objectClusterSuite(t, async () => {
    const clock = new ManualClock(Date.now());
    return { cluster: new MemoryObjectCluster(clock), nowMs: () => clock.nowMs(), advanceMs: (ms) => clock.advance(ms) };
  });
});

t.test('MemoryObjectCluster.putObject() re-checks If-None-Match: * at commit, so one of two concurrent creates fails', async (t) => {
  const cluster = new MemoryObjectCluster();
  await cluster.putContainer({ account: 'AUTH_a', container: 'c' }, {});
  const create = (body: PassThrough) => cluster.putObject({
    account: 'AUTH_a', container: 'c', object: 'o', body, contentType: 'text/plain', metadata: {}, ifNoneMatchAny: true,
  });
  const first = new PassThrough();
  const second = new PassThrough();
  // Both pass the early check (nothing stored yet), then their bodies finish one after the other.
  const a = create(first);
  const b = create(second);
  first.end('first');
  const firstResult = await a;
  t.equal(firstResult.size, 5);
  second.end('second');
  await t.rejects(b, { code: 'PRECONDITION_FAILED' });
  const got = await cluster.getObject({ account: 'AUTH_a', container: 'c', object: 'o' });
  got.body.destroy();
  t.equal(got.meta.size, 5, 'the first create is kept');
});
