import t from 'tap';
import { Readable } from 'node:stream';
import { readdir, readFile, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { formatTimestamp, ManualClock } from '../common/index.js';
import { FsObjectStore } from './fs-object-store.js';
import { Devices } from './devices.js';
import { PathHasher } from './path-hash.js';
import { objectStoreSuite } from './object-store.suite.js';

async function make(dir: string, clock: ManualClock, reserveBytes = 0) {
  const devices = new Devices([{ name: 'd1', path: join(dir, 'd1') }], reserveBytes);
  return new FsObjectStore({ devices, hasher: await PathHasher.create('secret'), clock });
}

t.test('FsObjectStore passes the ObjectStore suite', async (t) => {
  objectStoreSuite(t, async (t, clock) => make(t.testdir({ d1: {} }), clock));
});

const key = { device: 'd1', partition: 3, account: 'a', container: 'c', object: 'o' };
const header = { contentType: 'x/y', metadata: {}, deleteAtMs: 0, contentLength: -1, ifNoneMatchAny: false };
const ts = formatTimestamp(1_700_000_000_000);

t.test('FsObjectStore.stage() lays objects out by partition, suffix and hash', async (t) => {
  const dir = t.testdir({ d1: {} });
  const store = await make(dir, new ManualClock(0));
  const changes: string[] = [];
  const s2 = new FsObjectStore({
    devices: new Devices([{ name: 'd1', path: join(dir, 'd1') }]), hasher: await PathHasher.create('secret'),
    onChange: (d, p, s) => changes.push(`${d}/${p}/${s}`),
  });
  await (await s2.stage(key, header, Readable.from([Buffer.from('x')]))).commit({ timestamp: ts });
  const { dir: hashDir, suffix, hash } = store.locate(join(dir, 'd1'), key);
  t.equal(hashDir, join(dir, 'd1', 'objects', '3', suffix, hash));
  t.equal(suffix, hash.slice(-3));
  t.same(await readdir(hashDir), [`${ts}.data`]);
  t.same(await readdir(join(dir, 'd1', 'tmp')), [], 'no temporary file is left');
  t.same(changes, [`d1/3/${suffix}`]);
});

t.test('FsObjectStore refuses writes under the reserve with NO_SPACE', async (t) => {
  const store = await make(t.testdir({ d1: {} }), new ManualClock(0), Number.MAX_SAFE_INTEGER);
  await t.rejects(store.stage(key, header, Readable.from([Buffer.from('x')])), { code: 'NO_SPACE' });
});

t.test('FsObjectStore answers NOT_MOUNTED when the device folder disappears', async (t) => {
  const dir = t.testdir({ d1: {} });
  const store = await make(dir, new ManualClock(0));
  await (await store.stage(key, header, Readable.from([Buffer.from('x')]))).commit({ timestamp: ts });
  await rm(join(dir, 'd1'), { recursive: true });
  await t.rejects(store.head(key), { code: 'NOT_MOUNTED' });
});

t.test('FsObjectStore never re-creates a vanished device folder, even with a cached mount check', async (t) => {
  const dir = t.testdir({ d1: {} });
  const store = await make(dir, new ManualClock(0));
  await (await store.stage(key, header, Readable.from([Buffer.from('x')]))).commit({ timestamp: ts });
  await rm(join(dir, 'd1'), { recursive: true });
  await t.rejects(store.get(key), { code: 'NOT_MOUNTED' });
  await t.rejects(store.stage({ ...key, object: 'o2' }, header, Readable.from([Buffer.from('y')])), { code: 'NOT_MOUNTED' });
  await t.rejects(store.delete(key, formatTimestamp(1_700_000_001_000)), { code: 'NOT_MOUNTED' });
  await t.rejects(readdir(join(dir, 'd1')), { code: 'ENOENT' }, 'the device folder stays absent');
});

t.test('FsObjectStore recreates tmp/ when a device was emptied under it', async (t) => {
  const dir = t.testdir({ d1: {} });
  const store = await make(dir, new ManualClock(0));
  await (await store.stage(key, header, Readable.from([Buffer.from('x')]))).commit({ timestamp: ts });
  await rm(join(dir, 'd1', 'tmp'), { recursive: true });
  const later = formatTimestamp(1_700_000_002_000);
  await (await store.stage(key, header, Readable.from([Buffer.from('z')]))).commit({ timestamp: later });
  t.equal((await store.head(key)).timestamp, later);
});

t.test('FsObjectStore reports a damaged .data file as CORRUPT', async (t) => {
  const dir = t.testdir({ d1: {} });
  const store = await make(dir, new ManualClock(0));
  await (await store.stage(key, header, Readable.from([Buffer.from('hello')]))).commit({ timestamp: ts });
  const file = join(store.locate(join(dir, 'd1'), key).dir, `${ts}.data`);
  const bytes = await readFile(file);
  await writeFile(file, bytes.subarray(0, bytes.length - 3));
  await t.rejects(store.head(key), { code: 'CORRUPT' });
  await writeFile(file, 'xx');
  await t.rejects(store.get(key), { code: 'CORRUPT' });
});

t.test('FsObjectStore ignores stray files in a hash folder', async (t) => {
  const dir = t.testdir({ d1: {} });
  const store = await make(dir, new ManualClock(0));
  await (await store.stage(key, header, Readable.from([Buffer.from('hello')]))).commit({ timestamp: ts });
  await writeFile(join(store.locate(join(dir, 'd1'), key).dir, 'junk.tmp'), 'zz');
  t.equal((await store.head(key)).size, 5);
});
