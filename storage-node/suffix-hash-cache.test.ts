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
