import t from 'tap';
import { KeyLock } from './key-lock.js';

t.test('KeyLock.with() runs holders of one key one at a time, in order, and forgets idle keys', async (t) => {
  const lock = new KeyLock();
  const log: string[] = [];
  const job = (name: string, ms: number) => lock.with('k', async () => {
    log.push(`${name}+`);
    await new Promise((r) => setTimeout(r, ms));
    log.push(`${name}-`);
    return name;
  });
  const other = lock.with('other', async () => { log.push('o'); });
  const results = await Promise.all([job('a', 20), job('b', 1), job('c', 1), other]);
  t.same(results.slice(0, 3), ['a', 'b', 'c']);
  t.same(log.filter((x) => x !== 'o'), ['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
  t.equal(lock.size, 0);
});

t.test('KeyLock.with() releases the key when the holder throws', async (t) => {
  const lock = new KeyLock();
  await t.rejects(lock.with('k', async () => { throw new Error('x'); }));
  t.equal(await lock.with('k', async () => 1), 1);
});
