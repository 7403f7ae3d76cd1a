import t, { type Test } from 'tap';
import { Readable } from 'node:stream';
import { readFile, writeFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { formatTimestamp } from '../common/index.js';
import { FsObjectStore } from './fs-object-store.js';
import { Devices } from './devices.js';
import { PathHasher } from './path-hash.js';
import { quarantineDir } from './quarantine.js';

const key = { device: 'd1', partition: 2, account: 'a', container: 'c', object: 'o' };
const header = { contentType: 'x', metadata: {}, deleteAtMs: 0, contentLength: -1, ifNoneMatchAny: false };
const ts = formatTimestamp(Date.now());
const SIZE = 300_000;
const LARGE = 2 * 1024 * 1024 + 5;

async function setup(t: Test, size = SIZE) {
  const dir = t.testdir({ d1: {} });
  const changes: string[] = [];
  const store = new FsObjectStore({ devices: new Devices([{ name: 'd1', path: join(dir, 'd1') }]), hasher: await PathHasher.create('s'), onChange: (_d, _p, s) => changes.push(s) });
  const body = Buffer.alloc(size, 7);
  await (await store.stage(key, header, Readable.from([body]))).commit({ timestamp: ts });
  const file = join(store.locate(join(dir, 'd1'), key).dir, `${ts}.data`);
  changes.length = 0;
  return { dir, store, file, changes };
}

async function drain(r: Readable): Promise<{ bytes: number; err?: { code?: string } }> {
  let bytes = 0;
  try {
    for await (const c of r) bytes += (c as Buffer).length;
    return { bytes };
  } catch (err) {
    return { bytes, err: err as { code?: string } };
  }
}

t.test('FsObjectStore.get() serves a sound object whole', async (t) => {
  const { store } = await setup(t);
  const got = await drain((await store.get(key)).body);
  t.same(got, { bytes: SIZE });
});

t.test('FsObjectStore.get() refuses a small corrupt object before sending anything and quarantines it', async (t) => {
  const { dir, store, file, changes } = await setup(t);
  const bytes = await readFile(file);
  bytes[SIZE - 10] = 1;
  await writeFile(file, bytes);
  await t.rejects(store.get(key), { code: 'CORRUPT' }, 'no head, so the proxy reads another replica');
  for (let i = 0; i < 50 && changes.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  t.equal(changes.length, 1, 'the suffix is invalidated');
  t.equal((await readdir(quarantineDir(join(dir, 'd1')))).length, 1, 'the file is quarantined');
  await t.rejects(store.get(key), { code: 'NOT_FOUND' }, 'and never served again');
});

t.test('FsObjectStore.get() fails a large corrupt object before its last chunk', async (t) => {
  const { dir, store, file, changes } = await setup(t, LARGE);
  const bytes = await readFile(file);
  bytes[LARGE - 10] = 1;
  await writeFile(file, bytes);
  const got = await drain((await store.get(key)).body);
  t.equal(got.err?.code, 'CORRUPT', 'the stream fails');
  t.ok(got.bytes < LARGE, 'the reader never gets the whole body');
  for (let i = 0; i < 50 && changes.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  t.equal((await readdir(quarantineDir(join(dir, 'd1')))).length, 1, 'the file is quarantined');
});

t.test('FsObjectStore.get() of a range is served without the whole-object check', async (t) => {
  const { store } = await setup(t);
  const r = await store.get(key, { start: 10, end: 19 });
  t.same(await drain(r.body), { bytes: 10 });
});
