import t from 'tap';
import { ManualClock } from '../common/index.js';
import { ErrorLimiter, isNodeFault } from './error-limiter.js';

const config = { threshold: 3, windowMs: 1000, suppressionMs: 5000 };

t.test('ErrorLimiter limits a device after threshold faults within the window', async (t) => {
  const clock = new ManualClock(100);
  const l = new ErrorLimiter(config, clock);
  l.recordError('d1', 'UNAVAILABLE');
  l.recordError('d1', 'TIMEOUT');
  t.notOk(l.isLimited('d1'));
  l.recordError('d1', 'NOT_MOUNTED');
  t.ok(l.isLimited('d1'));
  t.same(l.limitedKeys(), ['d1']);
  clock.advance(4999);
  t.ok(l.isLimited('d1'), 'still suppressed');
  clock.advance(2);
  t.notOk(l.isLimited('d1'), 'suppression over');
  l.recordError('d1', 'UNAVAILABLE');
  t.notOk(l.isLimited('d1'), 'a fresh start after suppression');
});

t.test('ErrorLimiter forgets faults outside the window and on success', async (t) => {
  const clock = new ManualClock(0);
  const l = new ErrorLimiter(config, clock);
  l.recordError('d1', 'UNAVAILABLE');
  l.recordError('d1', 'UNAVAILABLE');
  clock.advance(1500);
  l.recordError('d1', 'UNAVAILABLE');
  t.notOk(l.isLimited('d1'), 'old faults expired');
  l.recordError('d1', 'UNAVAILABLE');
  l.recordSuccess('d1');
  l.recordError('d1', 'UNAVAILABLE');
  t.notOk(l.isLimited('d1'), 'success cleared the count');
});

t.test('ErrorLimiter ignores answers that are not node faults', async (t) => {
  const l = new ErrorLimiter(config, new ManualClock(0));
  for (let i = 0; i < 10; i++) l.recordError('d1', 'NOT_FOUND');
  t.notOk(l.isLimited('d1'));
  t.notOk(isNodeFault('PRECONDITION_FAILED'));
  t.ok(isNodeFault('NO_SPACE'));
});
