import t from 'tap';
import { codeOf } from './s3-test-app.js';
import { evaluateConditions, parseCopyRange, parseRange, resolveRange } from './conditions.js';

const lm = Date.parse('2024-01-10T12:00:00Z');
const h = (m: Record<string, string>) => (n: string) => m[n];

t.test('evaluateConditions() follows S3 precedence', async (t) => {
  t.equal(evaluateConditions(h({}), 'e1', lm), 'ok');
  t.equal(evaluateConditions(h({ 'if-match': '"e1"' }), 'e1', lm), 'ok');
  t.equal(evaluateConditions(h({ 'if-match': '"e2"' }), 'e1', lm), 'failed');
  t.equal(evaluateConditions(h({ 'if-match': '*' }), 'e1', lm), 'ok');
  t.equal(evaluateConditions(h({ 'if-none-match': '"e1"' }), 'e1', lm), 'not-modified');
  t.equal(evaluateConditions(h({ 'if-modified-since': 'Wed, 10 Jan 2024 12:00:00 GMT' }), 'e1', lm), 'not-modified');
  t.equal(evaluateConditions(h({ 'if-modified-since': 'Wed, 10 Jan 2024 11:59:59 GMT' }), 'e1', lm), 'ok');
  t.equal(evaluateConditions(h({ 'if-unmodified-since': 'Wed, 10 Jan 2024 11:00:00 GMT' }), 'e1', lm), 'failed');
  // A true If-Match wins over a false If-Unmodified-Since; a false If-None-Match over If-Modified-Since.
  t.equal(evaluateConditions(h({ 'if-match': 'e1', 'if-unmodified-since': 'Wed, 10 Jan 2024 11:00:00 GMT' }), 'e1', lm), 'ok');
  t.equal(evaluateConditions(h({ 'if-none-match': 'e2', 'if-modified-since': 'Thu, 11 Jan 2024 00:00:00 GMT' }), 'e1', lm), 'ok');
  t.equal(evaluateConditions(h({ 'x-amz-copy-source-if-match': 'e2' }), 'e1', lm, 'x-amz-copy-source-if-'), 'failed');
  t.equal(evaluateConditions(h({ 'if-modified-since': 'garbage' }), 'e1', lm), 'ok');
});

t.test('parseRange() and resolveRange() handle S3 byte ranges', async (t) => {
  t.same(parseRange('bytes=0-9'), { start: 0, end: 9 });
  t.same(parseRange('bytes=5-'), { start: 5 });
  t.same(parseRange('bytes=-3'), { suffix: 3 });
  t.equal(parseRange('bytes=0-1,3-4'), undefined, 'multiple ranges: whole object');
  t.equal(parseRange('items=0-1'), undefined);
  t.equal(parseRange('bytes=9-2'), undefined);
  t.same(resolveRange({ start: 5, end: 100 }, 10), { start: 5, end: 9 });
  t.same(resolveRange({ suffix: 30 }, 10), { start: 0, end: 9 });
  t.equal(codeOf(() => resolveRange({ start: 10 }, 10)), 'InvalidRange');
  t.equal(codeOf(() => resolveRange({ suffix: 1 }, 0)), 'InvalidRange');
});

t.test('parseCopyRange() needs both ends inside the source', async (t) => {
  t.same(parseCopyRange('bytes=0-4', 10), { start: 0, end: 4 });
  t.equal(parseCopyRange(undefined, 10), undefined);
  t.equal(codeOf(() => parseCopyRange('bytes=0-', 10)), 'InvalidArgument');
  t.equal(codeOf(() => parseCopyRange('bytes=5-10', 10)), 'InvalidRange');
});
