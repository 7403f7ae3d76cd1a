import t from 'tap';
import { parseRate, formatBytes, formatDuration, formatRate } from './movement-units.js';

t.test('parseRate() reads decimal and binary units with or without /s', async (t) => {
  t.equal(parseRate('0'), 0);
  t.equal(parseRate('1234'), 1234);
  t.equal(parseRate('50MiB'), 50 * 1024 * 1024);
  t.equal(parseRate('100MB/s'), 100_000_000);
  t.equal(parseRate('1.5 GiB/s'), 1.5 * 1024 ** 3);
  t.equal(parseRate('10kb'), 10_000);
  t.equal(parseRate('2M'), 2_000_000);
  t.equal(parseRate('512B/sec'), 512);
});

t.test('parseRate() refuses negative, empty and unknown units with INVALID_ARGUMENT', async (t) => {
  for (const bad of ['', '-5MB', 'fast', '10XB', '5 MB/h', '1e3', 'MB']) {
    t.throws(() => parseRate(bad), { code: 'INVALID_ARGUMENT' }, bad);
  }
  t.throws(() => parseRate('99999999999TiB'), { code: 'INVALID_ARGUMENT' }, 'too large');
});

t.test('formatBytes() uses binary units with three significant digits', async (t) => {
  t.equal(formatBytes(0), '0 B');
  t.equal(formatBytes(1023), '1023 B');
  t.equal(formatBytes(1536), '1.50 KiB');
  t.equal(formatBytes(50 * 1024 * 1024), '50.0 MiB');
  t.equal(formatBytes(300 * 1024 ** 3), '300 GiB');
  t.equal(formatBytes(-5), '0 B');
  t.equal(formatRate(0), 'unlimited');
  t.equal(formatRate(2048), '2.00 KiB/s');
});

t.test('formatDuration() picks two units from seconds to days', async (t) => {
  t.equal(formatDuration(0), '0s');
  t.equal(formatDuration(45_400), '45s');
  t.equal(formatDuration(185_000), '3m05s');
  t.equal(formatDuration(2 * 3600_000 + 7 * 60_000), '2h07m');
  t.equal(formatDuration(3 * 86_400_000 + 4 * 3600_000), '3d04h');
});
