import t, { type Test } from 'tap';
import { join } from 'node:path';
import { formatTimestamp } from '../common/index.js';
import { Devices } from './devices.js';
import { MetaDbs } from './meta-db.js';
import { AccountStore, type ContainerRow, type AccountListEntry } from './account-store.js';
import type { ListOptions } from './listing.js';

const ts = (n: number) => formatTimestamp(1_700_000_000_000 + n);
const ref = { device: 'd1', partition: 1, account: 'AUTH_a' };
const row = (name: string, n: number, over: Partial<ContainerRow> = {}): ContainerRow => ({
  name, objectCount: 1, bytesUsed: 10, putTimestamp: ts(0), deleteTimestamp: '', statsTimestamp: ts(n), deleted: false, ...over,
});
const opts = (o: Partial<ListOptions> = {}): ListOptions => ({ prefix: '', delimiter: '', marker: '', endMarker: '', limit: 0, reverse: false, ...o });
const names = (es: AccountListEntry[]) => es.map((e) => ('subdir' in e ? `[${e.subdir}]` : e.container.name));

async function setup(t: Test) {
  const dir = t.testdir({ d1: {} });
  const dbs = new MetaDbs(new Devices([{ name: 'd1', path: join(dir, 'd1') }]));
  t.teardown(() => dbs.close());
  return new AccountStore(dbs);
}

t.test('AccountStore.head() of an unknown account is NOT_FOUND; post() creates it', async (t) => {
  const store = await setup(t);
  await t.rejects(store.head(ref), { code: 'NOT_FOUND' });
  t.same(await store.list(ref, opts()), []);
  await store.post(ref, ts(1), { 'x-account-meta-q': '1' });
  await store.post(ref, ts(0), { 'x-account-meta-q': 'old' });
  t.same(await store.head(ref), { containerCount: 0, objectCount: 0, bytesUsed: 0, metadata: { 'x-account-meta-q': '1' } });
  await t.rejects(store.post(ref, 'nope', {}), { code: 'INVALID_ARGUMENT' });
  await t.rejects(store.head({ ...ref, account: '' }), { code: 'INVALID_ARGUMENT' });
});

t.test('AccountStore.updateRows() keeps the newest stats and totals of live containers', async (t) => {
  const store = await setup(t);
  await store.updateRows(ref, [row('c1', 2, { objectCount: 3, bytesUsed: 30 }), row('c2', 2)]);
  await store.updateRows(ref, [row('c1', 1, { objectCount: 99, bytesUsed: 990 })]);
  t.match(await store.head(ref), { containerCount: 2, objectCount: 4, bytesUsed: 40 });
  await store.updateRows(ref, [row('c2', 3, { deleteTimestamp: ts(3), objectCount: 0, bytesUsed: 0 })]);
  t.match(await store.head(ref), { containerCount: 1, objectCount: 3, bytesUsed: 30 });
  t.same(names(await store.list(ref, opts())), ['c1']);
  await store.updateRows(ref, [row('c2', 4, { putTimestamp: ts(4) })]);
  t.same(names(await store.list(ref, opts())), ['c1', 'c2'], 'a container re-created after deletion is listed again');
});

t.test('AccountStore.list() honours prefix, delimiter, markers, limit and reverse', async (t) => {
  const store = await setup(t);
  await store.updateRows(ref, ['a', 'b-1', 'b-2', 'c'].map((n) => row(n, 1)));
  t.same(names(await store.list(ref, opts({ prefix: 'b' }))), ['b-1', 'b-2']);
  t.same(names(await store.list(ref, opts({ delimiter: '-' }))), ['a', '[b-]', 'c']);
  t.same(names(await store.list(ref, opts({ marker: 'a', endMarker: 'c' }))), ['b-1', 'b-2']);
  t.same(names(await store.list(ref, opts({ reverse: true, limit: 2 }))), ['c', 'b-2']);
  t.same(names(await store.list({ ...ref, account: 'other' }, opts())), [], 'accounts are isolated');
  t.same(names(await store.list({ ...ref, partition: 2 }, opts())), [], 'partitions are isolated');
});
