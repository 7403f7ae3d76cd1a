import t from 'tap';
import { runLoop } from './load-loop.js';

t.test('runLoop() stops at count and keeps stats per operation', async (t) => {
  const res = await runLoop({ concurrency: 4, count: 50, durationSec: 10 },
    async (_w, seq) => ({ op: seq % 2 ? 'GET' : 'PUT', bytes: 10, items: 1 }), () => 'PUT');
  const total = res.byOp.reduce((s, o) => s + o.ops, 0);
  t.equal(total, 50);
  t.equal(res.byOp.find((o) => o.op === 'PUT')?.bytes, 250);
  t.equal(res.byOp.find((o) => o.op === 'GET')?.items, 25);
});

t.test('runLoop() stops at the duration', async (t) => {
  const start = Date.now();
  const res = await runLoop({ concurrency: 2, count: 1e9, durationSec: 0.2 },
    async () => { await new Promise((r) => setTimeout(r, 5)); return { op: 'GET', bytes: 0 }; }, () => 'GET');
  t.ok(Date.now() - start < 2000, 'bounded in time');
  t.ok(res.seconds >= 0.2 && res.seconds < 1);
});

t.test('runLoop() counts failures against the attempted op and stops after maxErrors', async (t) => {
  const res = await runLoop({ concurrency: 3, count: 1000, durationSec: 10, maxErrors: 5 },
    async () => { throw new Error('boom 503'); }, () => 'DELETE');
  const del = res.byOp.find((o) => o.op === 'DELETE');
  t.ok(del && del.errors >= 5 && del.errors <= 7, 'stops soon after maxErrors');
  t.equal(del?.ops, 0);
  t.same(del?.firstErrors.slice(0, 1), ['boom 503']);
});
