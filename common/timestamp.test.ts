import t from 'tap';
import { formatTimestamp, timestampToMs, TimestampSource, compareTimestamps, isTimestamp } from './timestamp.js';

t.test('formatTimestamp() pads to a fixed width so string order is time order', async (t) => {
  t.equal(formatTimestamp(1_700_000_000_123.456), '1700000000.12346');
  t.equal(formatTimestamp(5), '0000000000.00500');
  t.ok(formatTimestamp(999) < formatTimestamp(1000));
  t.equal(timestampToMs('1700000000.12345'), 1_700_000_000_123.45);
  t.throws(() => timestampToMs('17.1'), { code: 'INVALID_ARGUMENT' });
  t.notOk(isTimestamp('abc'));
});

t.test('TimestampSource.next() never repeats or goes back even when the clock does', async (t) => {
  let now = 1_000_000;
  const src = new TimestampSource(() => now);
  const a = src.next();
  const b = src.next();
  now -= 500;
  const c = src.next();
  t.ok(compareTimestamps(a, b) < 0);
  t.ok(compareTimestamps(b, c) < 0);
});
