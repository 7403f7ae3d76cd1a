import t from 'tap';
import { join } from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { ManualClock, silentLogger } from '../common/index.js';
import { Devices } from './devices.js';
import { MetaDbs } from './meta-db.js';
import { SuffixHashCache } from './suffix-hash-cache.js';

async function setup(t: { testdir(): string; teardown(fn: () => unknown): void }) {
  const dir = t.testdir();
  const devices = new Devices([{ name: 'd', path: dir }]);
  const dbs = new MetaDbs(devices);
  t.teardown(() => dbs.close());
  const clock = new ManualClock(1_000_000);
  const cache = new SuffixHashCache({ dbs, devices, maxAgeMs: 60_000, clock, log: silentLogger() });
  const add = async (suffix: string, file: string) => {
    const hashDir = join(dir, 'objects', '3', suffix, `0000000000000${suffix}`);
    await mkdir(hashDir, { recursive: true });
    await writeFile(join(hashDir, file), '');
  };
  return { cache, clock, add };
}

t.test('SuffixHashCache serves unchanged suffixes from LevelDB and recomputes invalidated ones', async (t) => {
  const { cache, add } = await setup(t);
  await add('abc', '1700000000.00000.data');
  await add('def', '1700000000.00000.ts');
  const first = await cache.hashes('d', 3);
  t.same([...first.keys()], ['abc', 'def']);
  t.same(cache.stats, { hits: 0, misses: 2 });
  t.same(await cache.hashes('d', 3), first, 'same answer');
  t.same(cache.stats, { hits: 2, misses: 2 }, 'from the cache');
  await add('abc', '1700000001.00000.meta');
  t.same(await cache.hashes('d', 3), first, 'a change nobody reported stays unseen (until maxAge)');
  cache.invalidate('d', 3, 'abc');
  const after = await cache.hashes('d', 3);
  t.not(after.get('abc'), first.get('abc'), 'the invalidated suffix is recomputed');
  t.equal(after.get('def'), first.get('def'));
  t.same(await cache.hashes('d', 3, ['def'], true), new Map([['def', first.get('def')]]), 'recalculate one suffix');
  t.same(await cache.hashes('d', 99), new Map(), 'a missing partition is empty');
});

t.test('SuffixHashCache recomputes entries older than maxAgeMs', async (t) => {
  const { cache, clock, add } = await setup(t);
  await add('abc', '1700000000.00000.data');
  const first = await cache.hashes('d', 3);
  await add('abc', '1700000001.00000.meta');
  clock.advance(61_000);
  t.not((await cache.hashes('d', 3)).get('abc'), first.get('abc'), 'stale entry recomputed');
  await t.rejects(cache.hashes('nope', 3), { code: 'NOT_MOUNTED' });
});

t.test('SuffixHashCache never serves a hash stored before an invalidation, even before its delete lands', async (t) => {
  const { cache, add } = await setup(t);
  let last = (await cache.hashes('d', 3)).get('abc');
  for (let i = 1; i <= 20; i++) {
    await add('abc', `17000000${String(i).padStart(2, '0')}.00000.data`);
    cache.invalidate('d', 3, 'abc');
    const now = (await cache.hashes('d', 3)).get('abc');
    t.not(now, last, `change ${i} is seen at once`);
    last = now;
  }
});

t.test('SuffixHashCache of a new run trusts hashes stored by the previous run until it invalidates them', async (t) => {
  const dir = t.testdir();
  const devices = new Devices([{ name: 'd', path: dir }]);
  const dbs = new MetaDbs(devices);
  t.teardown(() => dbs.close());
  const hashDir = join(dir, 'objects', '3', 'abc', '0000000000000abc');
  await mkdir(hashDir, { recursive: true });
  await writeFile(join(hashDir, '1700000000.00000.data'), '');
  const opts = { dbs, devices, maxAgeMs: 60_000, log: silentLogger() };
  const first = await new SuffixHashCache(opts).hashes('d', 3);
  const next = new SuffixHashCache(opts);
  t.same(await next.hashes('d', 3), first);
  t.same(next.stats, { hits: 1, misses: 0 }, 'the stored hash is reused after a restart');
  await writeFile(join(hashDir, '1700000001.00000.meta'), '');
  next.invalidate('d', 3, 'abc');
  t.not((await next.hashes('d', 3)).get('abc'), first.get('abc'), 'an invalidation of the new run wins');
});
