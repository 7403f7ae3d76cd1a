import t from 'tap';
import { LatencyRecorder } from './latency.js';

t.test('LatencyRecorder.summary() gives nearest-rank percentiles', async (t) => {
  const r = new LatencyRecorder();
  for (let i = 1; i <= 100; i++) r.record(i);
  const s = r.summary();
  t.equal(s.p50, 50);
  t.equal(s.p90, 90);
  t.equal(s.p99, 99);
  t.equal(s.max, 100);
  t.equal(s.mean, 50.5);
});

t.test('LatencyRecorder keeps at most maxSamples but counts every operation', async (t) => {
  const r = new LatencyRecorder(10);
  for (let i = 0; i < 1000; i++) r.record(i % 2 === 0 ? 1 : 3);
  t.equal(r.count, 1000);
  const s = r.summary();
  t.equal(s.max, 3);
  t.equal(s.mean, 2);
  t.ok([1, 3].includes(s.p50));
});

t.test('LatencyRecorder.summary() is all zeros without samples', async (t) => {
  t.same(new LatencyRecorder().summary(), { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 });
});
