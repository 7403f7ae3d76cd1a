import t from 'tap';
import { Throttle, throttled } from './throttle.js';

t.test('Throttle waits once the budget of a second is spent', async (t) => {
  const th = new Throttle(100_000);
  let start = performance.now();
  await th.take(50_000);
  t.ok(performance.now() - start < 50, 'within budget: no wait');
  start = performance.now();
  await th.take(100_000);
  const waited = performance.now() - start;
  t.ok(waited >= 400 && waited < 2500, `over budget: waits for the excess (${Math.round(waited)} ms)`);
});

t.test('Throttle(0) never waits, and an abort ends a wait early', async (t) => {
  const free = new Throttle(0);
  const start = performance.now();
  for (let i = 0; i < 100; i++) await free.take(1e9);
  t.ok(performance.now() - start < 50, 'unlimited');
  const slow = new Throttle(1);
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 50);
  const s2 = performance.now();
  await slow.take(1000, ac.signal);
  t.ok(performance.now() - s2 < 1000, 'aborted wait returns');
});

t.test('throttled() passes every chunk through', async (t) => {
  async function* src() { yield Buffer.from('ab'); yield Buffer.from('cd'); }
  const out: string[] = [];
  for await (const c of throttled(src(), new Throttle(0))) out.push(Buffer.from(c).toString());
  t.same(out, ['ab', 'cd']);
});

t.test('Throttle.setRate() changes the rate while a wait runs', async (t) => {
  const th = new Throttle(10);
  t.equal(th.rate, 10);
  const start = performance.now();
  const waiting = th.take(100_000); // would wait a minute at 10/s
  setTimeout(() => th.setRate(0), 30);
  await waiting;
  t.ok(performance.now() - start < 1000, 'raising the limit ends the wait at once');
  t.equal(th.rate, 0, 'unlimited now');
  const s2 = performance.now();
  await th.take(1e9);
  t.ok(performance.now() - s2 < 50, 'no wait once unlimited');
  th.setRate(1000);
  await th.take(500);
  const s3 = performance.now();
  await th.take(1000);
  t.ok(performance.now() - s3 >= 300, 'a lower limit applies to the next take');
});
