import t from 'tap';
import { RegisterClient } from './block-register.js';
import { BlockTestNodes } from '../test/integration/block-nodes.js';

t.test('RegisterClient.change() from concurrent proposers loses no update, with a replica down', async (t) => {
  const nodes = await BlockTestNodes.start(3);
  t.teardown(() => nodes.close());
  const a = new RegisterClient(nodes.extents, nodes.placement, { proposerId: 'a', maxAttempts: 40 });
  const b = new RegisterClient(nodes.extents, nodes.placement, { proposerId: 'b', maxAttempts: 40 });
  const inc = (cur: string | undefined) => String(Number(cur ?? '0') + 1);
  await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).change('counter', inc)));
  t.equal(await a.read('counter'), '10');
  await nodes.stopNode(0);
  await b.change('counter', inc);
  t.equal(await a.read('counter'), '11', 'a majority suffices');
  await nodes.stopNode(1);
  await t.rejects(a.change('counter', inc), { code: 'QUORUM_NOT_MET' });
  await t.rejects(a.change('other', () => {
    throw new Error('must not run');
  }), { code: 'QUORUM_NOT_MET' }, 'nothing is applied without a majority of promises');
});

t.test('RegisterClient.change() stores nothing when the change function throws', async (t) => {
  const nodes = await BlockTestNodes.start(3);
  t.teardown(() => nodes.close());
  const r = new RegisterClient(nodes.extents, nodes.placement);
  await r.change('k', () => 'v1');
  await t.rejects(r.change('k', () => {
    throw new Error('refused');
  }), /refused/);
  t.equal(await r.read('k'), 'v1');
});
