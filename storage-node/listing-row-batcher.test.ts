import t from 'tap';
import { RowBatcher } from './listing-row-batcher.js';
import type { ObjectRow } from './container-store.js';
import type { TargetValue } from './meta-db.js';

const target: TargetValue = { ip: '127.0.0.1', port: 1, device: 'd1', partition: 3 };
const other: TargetValue = { ...target, port: 2 };
const row = (name: string): ObjectRow => ({ name, size: 1, etag: 'e', contentType: 'x', timestamp: '1700000000.00001', deleted: false });

/** A fake send whose calls the test completes one by one. */
function manualSend() {
  const calls: Array<{ target: TargetValue; rows: string[]; finish: (err?: Error) => void }> = [];
  const send = (tg: TargetValue, _a: string, _c: string, rows: ObjectRow[]) => new Promise<void>((resolve, reject) => {
    calls.push({ target: tg, rows: rows.map((r) => r.name), finish: (err) => (err ? reject(err) : resolve()) });
  });
  return { calls, send };
}

const tick = () => new Promise((r) => setImmediate(r));

t.test('RowBatcher.deliver() sends rows arriving during a call together in the next call', async (t) => {
  const { calls, send } = manualSend();
  const b = new RowBatcher(send);
  const first = b.deliver(target, 'a', 'c', [row('o1')]);
  await tick();
  const second = b.deliver(target, 'a', 'c', [row('o2')]);
  const third = b.deliver(target, 'a', 'c', [row('o3')]);
  await tick();
  t.same(calls.map((c) => c.rows), [['o1']], 'one call in flight, the others wait');
  calls[0]!.finish();
  t.equal(await first, undefined);
  await tick();
  t.same(calls.map((c) => c.rows), [['o1'], ['o2', 'o3']], 'the waiting rows share one call');
  let settled = false;
  void second.then(() => { settled = true; });
  await tick();
  t.notOk(settled, 'a caller waits for the call carrying its row');
  calls[1]!.finish();
  t.equal(await second, undefined);
  t.equal(await third, undefined);
});

t.test('RowBatcher.deliver() keeps replicas and containers apart and reports each call\'s error', async (t) => {
  const { calls, send } = manualSend();
  const b = new RowBatcher(send);
  const p1 = b.deliver(target, 'a', 'c', [row('o1')]);
  const p2 = b.deliver(other, 'a', 'c', [row('o2')]);
  const p3 = b.deliver(target, 'a', 'c2', [row('o3')]);
  await tick();
  t.equal(calls.length, 3, 'three lanes, three calls at once');
  const p4 = b.deliver(target, 'a', 'c', [row('o4')]);
  calls[0]!.finish(new Error('down'));
  calls[1]!.finish();
  calls[2]!.finish();
  t.match(await p1, { message: 'down' }, 'the failed call\'s rows get its error');
  t.equal(await p2, undefined);
  t.equal(await p3, undefined);
  await tick();
  t.same(calls[3]!.rows, ['o4'], 'the lane goes on after a failure');
  calls[3]!.finish(new Error('again'));
  t.match(await p4, { message: 'again' });
  // An idle lane starts a call at once again.
  const p5 = b.deliver(target, 'a', 'c', [row('o5')]);
  await tick();
  t.same(calls[4]!.rows, ['o5']);
  calls[4]!.finish();
  t.equal(await p5, undefined);
});

t.test('RowBatcher.deliver() caps a call at maxRows and sends a full group on its own', async (t) => {
  const { calls, send } = manualSend();
  const b = new RowBatcher(send, 2);
  const ps = [b.deliver(target, 'a', 'c', [row('o0')])];
  await tick();
  for (let i = 1; i <= 5; i++) ps.push(b.deliver(target, 'a', 'c', [row(`o${i}`)]));
  await tick();
  t.same(calls.map((c) => c.rows), [['o0'], ['o1', 'o2'], ['o3', 'o4']], 'full groups go at once, never more than 2 rows');
  for (const c of calls) c.finish();
  await tick();
  t.same(calls[3]!.rows, ['o5'], 'the remainder follows the call in flight');
  calls[3]!.finish();
  t.same(await Promise.all(ps), [undefined, undefined, undefined, undefined, undefined, undefined]);
});

t.test('RowBatcher.deliver() turns a synchronous throw of send into an error result', async (t) => {
  const b = new RowBatcher(() => { throw new Error('boom'); });
  t.match(await b.deliver(target, 'a', 'c', [row('o1')]), { message: 'boom' });
});
