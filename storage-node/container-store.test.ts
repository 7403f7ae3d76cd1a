import t, { type Test } from 'tap';
import { join } from 'node:path';
import { formatTimestamp } from '../common/index.js';
import { Devices } from './devices.js';
import { MetaDbs } from './meta-db.js';
import { ContainerStore, type ObjectRow, type ObjectListEntry } from './container-store.js';
import type { ListOptions } from './listing.js';

const ts = (n: number) => formatTimestamp(1_700_000_000_000 + n);
const ref = { device: 'd1', partition: 5, account: 'AUTH_a', container: 'c' };
const row = (name: string, n = 1, over: Partial<ObjectRow> = {}): ObjectRow => ({
  name, size: 10, etag: 'e', contentType: 'text/plain', timestamp: ts(n), deleted: false, ...over,
});
const opts = (o: Partial<ListOptions> = {}): ListOptions => ({ prefix: '', delimiter: '', marker: '', endMarker: '', limit: 0, reverse: false, ...o });
const names = (es: ObjectListEntry[]) => es.map((e) => ('subdir' in e ? `[${e.subdir}]` : e.object.name));

async function setup(t: Test) {
  const dir = t.testdir({ d1: {} });
  const dbs = new MetaDbs(new Devices([{ name: 'd1', path: join(dir, 'd1') }]));
  t.teardown(() => dbs.close());
  let dirty = 0;
  const store = new ContainerStore(dbs, undefined, () => { dirty += 1; });
  return { store, dbs, dirtyCount: () => dirty };
}

t.test('ContainerStore.put() creates once and merges metadata with per-key timestamps', async (t) => {
  const { store } = await setup(t);
  t.same(await store.put(ref, ts(1), { 'x-container-meta-a': '1' }, []), { created: true });
  t.same(await store.put(ref, ts(2), { 'x-container-meta-b': '2' }, []), { created: false });
  await store.post(ref, ts(3), { 'x-container-meta-a': '' });
  await store.post(ref, ts(0), { 'x-container-meta-b': 'stale' });
  const info = await store.head(ref);
  t.same(info.metadata, { 'x-container-meta-b': '2' });
  t.equal(info.putTimestamp, ts(2));
  await t.rejects(store.head({ ...ref, container: 'nope' }), { code: 'NOT_FOUND' });
  await t.rejects(store.post({ ...ref, container: 'nope' }, ts(1), {}), { code: 'NOT_FOUND' });
  await t.rejects(store.put(ref, 'bad', {}, []), { code: 'INVALID_ARGUMENT' });
  await t.rejects(store.head({ ...ref, device: 'zz' }), { code: 'NOT_MOUNTED' });
});

t.test('ContainerStore.updateRows() keeps the newest row per name and counts live objects', async (t) => {
  const { store, dirtyCount } = await setup(t);
  await store.put(ref, ts(0), {}, []);
  await store.updateRows(ref, [row('a', 5, { size: 100 }), row('b', 5, { size: 7 })]);
  await store.updateRows(ref, [row('a', 3, { size: 1 })]);
  let info = await store.head(ref);
  t.same([info.objectCount, info.bytesUsed], [2, 107]);
  await store.updateRows(ref, [row('a', 6, { deleted: true, size: 0 })]);
  await store.updateRows(ref, [row('a', 4, { size: 50 })]);
  info = await store.head(ref);
  t.same([info.objectCount, info.bytesUsed], [1, 7], 'a late older row does not resurrect a deleted name');
  t.same(names(await store.list(ref, opts())), ['b']);
  t.ok(dirtyCount() >= 3);
  await t.rejects(store.updateRows({ ...ref, container: 'missing' }, [row('x')]), { code: 'NOT_FOUND' });
  await t.rejects(store.updateRows(ref, [row('x', 1, { timestamp: 'x' })]), { code: 'INVALID_ARGUMENT' });
});

t.test('ContainerStore.delete() refuses a container with objects and hides a deleted one', async (t) => {
  const { store } = await setup(t);
  await store.put(ref, ts(0), { 'x-container-meta-a': '1' }, []);
  await store.updateRows(ref, [row('a', 1)]);
  await t.rejects(store.delete(ref, ts(2), []), { code: 'CONFLICT' });
  await store.updateRows(ref, [row('a', 3, { deleted: true })]);
  await store.delete(ref, ts(4), []);
  await t.rejects(store.head(ref), { code: 'NOT_FOUND' });
  await t.rejects(store.list(ref, opts()), { code: 'NOT_FOUND' });
  await t.rejects(store.delete(ref, ts(5), []), { code: 'NOT_FOUND' });
  t.same(await store.put(ref, ts(6), {}, []), { created: true });
  t.same((await store.head(ref)).metadata, {}, 'metadata does not survive deletion');
});

t.test('ContainerStore.list() honours prefix, delimiter, markers, limit and reverse', async (t) => {
  const { store } = await setup(t);
  await store.put(ref, ts(0), {}, []);
  const all = ['a', 'b/1', 'b/2', 'b/3/x', 'c', 'c/d', 'd.txt', 'z/', 'é'];
  await store.updateRows(ref, all.map((n) => row(n)));
  await store.updateRows(ref, [row('gone', 2, { deleted: true })]);
  t.same(names(await store.list(ref, opts())), all);
  t.same(names(await store.list(ref, opts({ limit: 3 }))), ['a', 'b/1', 'b/2']);
  t.same(names(await store.list(ref, opts({ marker: 'b/2' }))), ['b/3/x', 'c', 'c/d', 'd.txt', 'z/', 'é']);
  t.same(names(await store.list(ref, opts({ endMarker: 'c' }))), ['a', 'b/1', 'b/2', 'b/3/x']);
  t.same(names(await store.list(ref, opts({ prefix: 'b/' }))), ['b/1', 'b/2', 'b/3/x']);
  t.same(names(await store.list(ref, opts({ delimiter: '/' }))), ['a', '[b/]', 'c', '[c/]', 'd.txt', '[z/]', 'é']);
  t.same(names(await store.list(ref, opts({ prefix: 'b/', delimiter: '/' }))), ['b/1', 'b/2', '[b/3/]']);
  t.same(names(await store.list(ref, opts({ delimiter: '/', marker: 'b/' }))), ['c', '[c/]', 'd.txt', '[z/]', 'é']);
  t.same(names(await store.list(ref, opts({ delimiter: '/', limit: 2 }))), ['a', '[b/]']);
  t.same(names(await store.list(ref, opts({ reverse: true }))), [...all].reverse());
  t.same(names(await store.list(ref, opts({ reverse: true, marker: 'c' }))), ['b/3/x', 'b/2', 'b/1', 'a']);
  t.same(names(await store.list(ref, opts({ reverse: true, endMarker: 'c' }))), ['é', 'z/', 'd.txt', 'c/d']);
  t.same(names(await store.list(ref, opts({ reverse: true, delimiter: '/' }))), ['é', '[z/]', 'd.txt', '[c/]', 'c', '[b/]', 'a']);
  t.same(names(await store.list(ref, opts({ reverse: true, prefix: 'b/', delimiter: '/' }))), ['[b/3/]', 'b/2', 'b/1']);
  t.same(names(await store.list(ref, opts({ prefix: 'q' }))), []);
  t.same(names(await store.list(ref, opts({ marker: 'z', endMarker: 'a' }))), []);
  const first = (await store.list(ref, opts({ limit: 1 })))[0];
  t.match(first, { object: { name: 'a', size: 10, etag: 'e', contentType: 'text/plain', timestamp: ts(1), deleted: false } });
});

t.test('ContainerStore.list() pages through many objects in bounded time', async (t) => {
  const { store } = await setup(t);
  await store.put(ref, ts(0), {}, []);
  const n = 5000;
  for (let i = 0; i < n; i += 500) {
    await store.updateRows(ref, Array.from({ length: 500 }, (_, j) => row(`dir${(i + j) % 10}/obj${String(i + j).padStart(6, '0')}`)));
  }
  const start = performance.now();
  let marker = '';
  let seen = 0;
  for (let page = 0; page < 100; page++) {
    const es = await store.list(ref, opts({ marker, limit: 1000 }));
    if (es.length === 0) break;
    seen += es.length;
    marker = names(es).at(-1) as string;
  }
  t.equal(seen, n);
  t.same(names(await store.list(ref, opts({ delimiter: '/' }))).length, 10);
  t.ok(performance.now() - start < 5000, 'paging 5,000 rows takes well under 5 s');
});

t.test('ContainerStore.updateRows() group-commits concurrent updates without losing any', async (t) => {
  const { store } = await setup(t);
  await store.put(ref, ts(0), {}, []);
  await Promise.all(Array.from({ length: 200 }, (_, i) => store.updateRows(ref, [row(`o${i % 150}`, i, { size: i })])));
  const info = await store.head(ref);
  t.equal(info.objectCount, 150);
  const expected = Array.from({ length: 150 }, (_, n) => (n < 50 ? n + 150 : n)).reduce((a, b) => a + b, 0);
  t.equal(info.bytesUsed, expected, 'the newest row of each name counts');
  await t.rejects(Promise.all([store.updateRows({ ...ref, container: 'none' }, [row('a')]), store.updateRows({ ...ref, container: 'none' }, [row('b')])]), { code: 'NOT_FOUND' });
});
