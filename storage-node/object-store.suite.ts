/**
 * The behaviour every ObjectStore must show, as one tap suite: run it from each
 * implementation's test with a factory that makes an empty store with one device "d1" whose
 * clock is the given ManualClock.
 */
import type { Test } from 'tap';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { formatTimestamp, ManualClock } from '../common/index.js';
import type { ObjectStore, ObjectKey, PutHeader } from './object-store.js';

export type ObjectStoreFactory = (t: Test, clock: ManualClock) => Promise<ObjectStore>;

const NOW = 1_700_000_000_000;
const ts = (offsetMs: number) => formatTimestamp(NOW + offsetMs);
const key = (object = 'o'): ObjectKey => ({ device: 'd1', partition: 7, account: 'AUTH_a', container: 'c', object });
const header = (over: Partial<PutHeader> = {}): PutHeader => ({
  contentType: 'text/plain', metadata: {}, deleteAtMs: 0, contentLength: -1, ifNoneMatchAny: false, ...over,
});

async function put(store: ObjectStore, k: ObjectKey, body: string | Buffer, timestamp: string, over: Partial<PutHeader> = {}) {
  const staged = await store.stage(k, header(over), Readable.from([Buffer.from(body)]));
  return staged.commit({ timestamp });
}

async function read(store: ObjectStore, k: ObjectKey, range?: Parameters<ObjectStore['get']>[1]): Promise<string> {
  const r = await store.get(k, range);
  return (await buffer(r.body)).toString();
}

export function objectStoreSuite(t: Test, factory: ObjectStoreFactory): void {
  const setup = async (t: Test) => {
    const clock = new ManualClock(NOW);
    return { clock, store: await factory(t, clock) };
  };

  t.test('put() then get() returns the body with its ETag and checksum', async (t) => {
    const { store } = await setup(t);
    const out = await put(store, key(), 'hello world', ts(0), { metadata: { 'x-object-meta-a': '1' } });
    t.equal(out.etag, '5eb63bbbe01eeed093cb22bb8f5acdc3');
    t.equal(out.size, 11);
    t.match(out.checksum, /^[0-9a-f]{16}$/);
    t.ok(out.applied);
    t.equal(await read(store, key()), 'hello world');
    const rec = await store.head(key());
    t.same(rec.metadata, { 'x-object-meta-a': '1' });
    t.equal(rec.timestamp, ts(0));
    t.equal(rec.metaTimestamp, ts(0));
    t.equal(rec.contentType, 'text/plain');
  });

  t.test('put() streams a multi-chunk body and an empty body', async (t) => {
    const { store } = await setup(t);
    const chunks = Array.from({ length: 20 }, (_, i) => Buffer.alloc(50_000, i));
    const staged = await store.stage(key('big'), header({ contentLength: 1_000_000 }), Readable.from(chunks));
    t.equal(staged.digest.size, 1_000_000);
    await staged.commit({ timestamp: ts(0) });
    t.same(Buffer.compare((await buffer((await store.get(key('big'))).body)), Buffer.concat(chunks)), 0);
    await put(store, key('empty'), '', ts(0));
    t.equal(await read(store, key('empty')), '');
    t.equal((await store.head(key('empty'))).etag, 'd41d8cd98f00b204e9800998ecf8427e');
  });

  t.test('get() serves ranges and refuses unsatisfiable ones', async (t) => {
    const { store } = await setup(t);
    await put(store, key(), '0123456789', ts(0));
    t.equal(await read(store, key(), { start: 2, end: 4 }), '234');
    t.equal(await read(store, key(), { start: 7 }), '789');
    t.equal(await read(store, key(), { start: 8, end: 100 }), '89');
    t.equal(await read(store, key(), { suffix: 3 }), '789');
    t.equal(await read(store, key(), { suffix: 30 }), '0123456789');
    t.same((await store.get(key(), { start: 2, end: 4 })).range, { start: 2, end: 4 });
    await t.rejects(store.get(key(), { start: 10 }), { code: 'RANGE_NOT_SATISFIABLE' });
    await t.rejects(store.get(key(), { start: 5, end: 3 }), { code: 'RANGE_NOT_SATISFIABLE' });
  });

  t.test('the newest timestamp wins whatever the arrival order', async (t) => {
    const { store } = await setup(t);
    await put(store, key(), 'new', ts(20));
    const old = await put(store, key(), 'old', ts(10));
    t.notOk(old.applied, 'an older PUT is acknowledged but ignored');
    t.equal(await read(store, key()), 'new');
    const del = await store.delete(key(), ts(15));
    t.same(del, { existed: true, applied: false });
    t.equal(await read(store, key()), 'new');
    t.same(await store.delete(key(), ts(30)), { existed: true, applied: true });
    await t.rejects(store.head(key()), { code: 'NOT_FOUND' });
    t.notOk((await put(store, key(), 'older than tombstone', ts(25))).applied);
    await t.rejects(store.get(key()), { code: 'NOT_FOUND' });
    t.ok((await put(store, key(), 'newest', ts(40))).applied);
    t.equal(await read(store, key()), 'newest');
  });

  t.test('delete() of a missing object writes a tombstone that beats older PUTs', async (t) => {
    const { store } = await setup(t);
    t.same(await store.delete(key(), ts(10)), { existed: false, applied: true });
    t.notOk((await put(store, key(), 'x', ts(5))).applied);
    await t.rejects(store.head(key()), { code: 'NOT_FOUND' });
  });

  t.test('post() replaces metadata but keeps sysmeta, content type and data', async (t) => {
    const { store } = await setup(t);
    await put(store, key(), 'body', ts(0), { metadata: { 'x-object-meta-a': '1', 'x-object-sysmeta-s': 'keep' } });
    const r = await store.post(key(), ts(10), { metadata: { 'x-object-meta-b': '2' }, contentType: '', deleteAtMs: -1 });
    t.ok(r.applied);
    const rec = await store.head(key());
    t.same(rec.metadata, { 'x-object-sysmeta-s': 'keep', 'x-object-meta-b': '2' });
    t.equal(rec.metaTimestamp, ts(10));
    t.equal(rec.timestamp, ts(0));
    t.equal(rec.contentType, 'text/plain');
    await store.post(key(), ts(20), { metadata: {}, contentType: 'image/png', deleteAtMs: -1 });
    t.equal((await store.head(key())).contentType, 'image/png');
    t.notOk((await store.post(key(), ts(15), { metadata: { 'x-object-meta-late': '1' }, contentType: '', deleteAtMs: -1 })).applied);
    t.same((await store.head(key())).metadata, { 'x-object-sysmeta-s': 'keep' });
    t.equal(await read(store, key()), 'body');
  });

  t.test('post() of a missing or deleted object fails with NOT_FOUND', async (t) => {
    const { store } = await setup(t);
    await t.rejects(store.post(key(), ts(10), { metadata: {}, contentType: '', deleteAtMs: -1 }), { code: 'NOT_FOUND' });
    await put(store, key(), 'x', ts(0));
    await store.delete(key(), ts(5));
    await t.rejects(store.post(key(), ts(10), { metadata: {}, contentType: '', deleteAtMs: -1 }), { code: 'NOT_FOUND' });
  });

  t.test('an expired object reads as NOT_FOUND, also when POST sets the expiry', async (t) => {
    const { store, clock } = await setup(t);
    await put(store, key('a'), 'x', ts(0), { deleteAtMs: NOW + 1000 });
    t.equal(await read(store, key('a')), 'x');
    clock.advance(1000);
    await t.rejects(store.get(key('a')), { code: 'NOT_FOUND' });
    await t.rejects(store.head(key('a')), { code: 'NOT_FOUND' });
    await put(store, key('b'), 'y', ts(0));
    await store.post(key('b'), ts(1), { metadata: {}, contentType: '', deleteAtMs: NOW + 500 });
    await t.rejects(store.head(key('b')), { code: 'NOT_FOUND' });
    t.same(await store.delete(key('b'), ts(2)), { existed: false, applied: true });
  });

  t.test('commit() checks the expected ETag and the content length', async (t) => {
    const { store } = await setup(t);
    const bad = await store.stage(key(), header(), Readable.from([Buffer.from('abc')]));
    await t.rejects(bad.commit({ timestamp: ts(0), expectedEtag: 'ffffffffffffffffffffffffffffffff' }), { code: 'CHECKSUM_MISMATCH' });
    await t.rejects(store.head(key()), { code: 'NOT_FOUND' });
    const short = await store.stage(key(), header({ contentLength: 10 }), Readable.from([Buffer.from('abc')]));
    await t.rejects(short.commit({ timestamp: ts(0) }), { code: 'INVALID_ARGUMENT' });
    await t.rejects(store.stage(key(), header({ contentLength: 2 }), Readable.from([Buffer.from('abc')])), { code: 'INVALID_ARGUMENT' });
    const badTs = await store.stage(key(), header(), Readable.from([Buffer.from('abc')]));
    await t.rejects(badTs.commit({ timestamp: 'yesterday' }), { code: 'INVALID_ARGUMENT' });
    const good = await store.stage(key(), header(), Readable.from([Buffer.from('abc')]));
    t.ok((await good.commit({ timestamp: ts(0), expectedEtag: '900150983cd24fb0d6963f7d28e17f72' })).applied);
  });

  t.test('ifNoneMatchAny fails with PRECONDITION_FAILED only when a live object exists', async (t) => {
    const { store } = await setup(t);
    t.ok((await put(store, key(), 'a', ts(0), { ifNoneMatchAny: true })).applied);
    await t.rejects(put(store, key(), 'b', ts(10), { ifNoneMatchAny: true }), { code: 'PRECONDITION_FAILED' });
    await store.delete(key(), ts(20));
    t.ok((await put(store, key(), 'c', ts(30), { ifNoneMatchAny: true })).applied);
  });

  t.test('a failing body stream leaves nothing behind', async (t) => {
    const { store } = await setup(t);
    async function* failing() { yield Buffer.from('part'); throw new Error('client went away'); }
    await t.rejects(store.stage(key(), header(), failing()));
    await t.rejects(store.head(key()), { code: 'NOT_FOUND' });
  });

  t.test('an unknown device answers NOT_MOUNTED', async (t) => {
    const { store } = await setup(t);
    const k = { ...key(), device: 'nope' };
    await t.rejects(store.head(k), { code: 'NOT_MOUNTED' });
    await t.rejects(store.stage(k, header(), Readable.from([])), { code: 'NOT_MOUNTED' });
    await t.rejects(store.delete(k, ts(0)), { code: 'NOT_MOUNTED' });
  });

  t.test('bad timestamps are INVALID_ARGUMENT', async (t) => {
    const { store } = await setup(t);
    await t.rejects(store.delete(key(), '1.5'), { code: 'INVALID_ARGUMENT' });
    await t.rejects(store.post(key(), '../x', { metadata: {}, contentType: '', deleteAtMs: -1 }), { code: 'INVALID_ARGUMENT' });
  });

  t.test('concurrent writes of one name settle on the newest', async (t) => {
    const { store } = await setup(t);
    await Promise.all(Array.from({ length: 10 }, (_, i) => put(store, key(), `v${i}`, ts(i))));
    t.equal(await read(store, key()), 'v9');
  });
}
