import t from 'tap';
import { ClientActivity } from './client-activity.js';

t.test('ClientActivity counts calls in flight; end is idempotent', async (t) => {
  const a = new ClientActivity();
  t.equal(a.inFlight, 0);
  t.ok(a.idle());
  const end1 = a.begin();
  const end2 = a.begin();
  t.equal(a.inFlight, 2);
  end1();
  end1();
  t.equal(a.inFlight, 1, 'a second end of the same call changes nothing');
  end2();
  t.equal(a.inFlight, 0);
  await new Promise((r) => setTimeout(r, 10));
  t.ok(a.idle(), 'idle after the gap');
});

t.test('ClientActivity.yieldToClients() waits for a gap, bounded', async (t) => {
  const a = new ClientActivity();
  let start = performance.now();
  await a.yieldToClients(1000);
  t.ok(performance.now() - start < 20, 'no clients: no wait');

  const end = a.begin();
  start = performance.now();
  await a.yieldToClients(60);
  const waited = performance.now() - start;
  t.ok(waited >= 55 && waited < 500, `steady load: waits at most the bound (${Math.round(waited)} ms)`);
  start = performance.now();
  await a.yieldToClients(60);
  t.ok(performance.now() - start < 20, 'then a work slice as long as the bound: no wait');
  await new Promise((r) => setTimeout(r, 80));
  start = performance.now();
  await a.yieldToClients(30);
  t.ok(performance.now() - start >= 25, 'after the slice the mover waits again');
  await new Promise((r) => setTimeout(r, 40));

  setTimeout(end, 20);
  start = performance.now();
  await a.yieldToClients(2000);
  const w2 = performance.now() - start;
  t.ok(w2 >= 20 && w2 < 500, `goes on once the client call ended (${Math.round(w2)} ms)`);

  const end3 = a.begin();
  start = performance.now();
  await a.yieldToClients(0);
  t.ok(performance.now() - start < 20, '0 turns client priority off');
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 20);
  start = performance.now();
  await a.yieldToClients(5000, ac.signal);
  t.ok(performance.now() - start < 1000, 'an abort ends the wait');
  end3();
  t.equal(a.stats.yields, 4, 'waits counted (not the slice that needed none)');
});
