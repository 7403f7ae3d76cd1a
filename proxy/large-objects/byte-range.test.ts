import t from 'tap';
import { parseRangeHeader, resolveRange, resolveRanges } from './byte-range.js';

t.test('parseRangeHeader() reads single, open, suffix and multiple ranges', async (t) => {
  t.same(parseRangeHeader('bytes=0-4'), [{ start: 0, end: 4 }]);
  t.same(parseRangeHeader('bytes=5-'), [{ start: 5 }]);
  t.same(parseRangeHeader('bytes=-7'), [{ suffix: 7 }]);
  t.same(parseRangeHeader('bytes=0-0, 2-3'), [{ start: 0, end: 0 }, { start: 2, end: 3 }]);
});

t.test('parseRangeHeader() ignores malformed headers and too many ranges', async (t) => {
  for (const h of [undefined, '', 'bytes', 'bytes=', 'bytes=-', 'bytes=4-2', 'lines=1-2', 'bytes=a-b', 'bytes=1-2,']) {
    t.equal(parseRangeHeader(h), undefined, String(h));
  }
  t.equal(parseRangeHeader(`bytes=${Array.from({ length: 51 }, (_, i) => `${i}-${i}`).join(',')}`), undefined);
});

t.test('resolveRange() clips ends, serves long suffixes whole and refuses starts past the end', async (t) => {
  t.same(resolveRange({ start: 2, end: 100 }, 10), { start: 2, end: 9 });
  t.same(resolveRange({ suffix: 100 }, 10), { start: 0, end: 9 });
  t.throws(() => resolveRange({ start: 10 }, 10), { code: 'RANGE_NOT_SATISFIABLE' });
  t.throws(() => resolveRange({ suffix: 0 }, 10), { code: 'RANGE_NOT_SATISFIABLE' });
  t.throws(() => resolveRange({ suffix: 1 }, 0), { code: 'RANGE_NOT_SATISFIABLE' });
  t.same(resolveRanges([{ start: 50 }, { start: 1, end: 1 }], 10), [{ start: 1, end: 1 }]);
  t.throws(() => resolveRanges([{ start: 50 }], 10), { code: 'RANGE_NOT_SATISFIABLE' });
});
