import t from 'tap';
import type { ResultRecord } from '../objects/report.js';
import { formatRatios, headline, median, summarise } from './ratio-summary.js';

function rec(label: string, over: Partial<ResultRecord>): ResultRecord {
  return {
    time: '', label, api: 'swift', scenario: 'put-4k', op: 'PUT', concurrency: 32, objectBytes: 4096, seconds: 20,
    ops: 100, errors: 0, opsPerSec: 100, mibPerSec: 0.4, objectsPerSec: 0, p50Ms: 1, p90Ms: 2, p99Ms: 4, maxMs: 5,
    serverCpuSec: 1, serverCpuMsPerOp: 10, clientCpuSec: 1, serverRssStartMiB: 1, serverRssEndMiB: 1, serverPids: 5,
    firstErrors: [], ...over,
  };
}

t.test('headline() picks obj/s for listings, MiB/s for large objects, else ops/s', async (t) => {
  t.same(headline(rec('a', { op: 'LIST', objectsPerSec: 7 })), { name: 'obj/s', value: 7 });
  t.same(headline(rec('a', { objectBytes: 1 << 20, mibPerSec: 3 })), { name: 'MiB/s', value: 3 });
  t.same(headline(rec('a', {})), { name: 'ops/s', value: 100 });
});

t.test('summarise() pairs rounds in order and gives per-round ratios', async (t) => {
  const a = [rec('strata', { opsPerSec: 500, serverCpuMsPerOp: 2 }), rec('strata', { opsPerSec: 600, serverCpuMsPerOp: 3 })];
  const b = [rec('swift', { opsPerSec: 100 }), rec('swift', { opsPerSec: 200 })];
  const [row] = summarise(a, b);
  t.same(row?.ratio, [5, 3]);
  t.same(row?.cpuRatio, [0.2, 0.3]);
  t.equal(median(row?.ratio ?? []), 4);
  t.match(formatRatios(summarise(a, b), 'strata', 'swift'), /\| 4\.00 \(3\.00-5\.00\) \|/);
});

t.test('summarise() skips unpaired rows and median() ignores NaN', async (t) => {
  t.same(summarise([rec('a', { scenario: 'get-4k' })], [rec('b', {})]), []);
  t.equal(median([Number.NaN, 1, 3]), 2);
  t.ok(Number.isNaN(median([])));
});
