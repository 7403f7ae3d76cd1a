import t, { type Test } from 'tap';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExtentStore } from './extent-store.js';
import { HEADER_BYTES } from './extent-file.js';

const MiB = 1024 * 1024;

async function setup(t: Test) {
  const dir = await mkdtemp(join(tmpdir(), 'extent-store-'));
  const store = new ExtentStore({ devices: [{ name: 'd1', path: dir }], maxOpenFiles: 2 });
  t.teardown(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { dir, store };
}

const ref = (index: number, layer = 'l-a') => ({ device: 'd1', layer, index });
const write = (index: number, offset: number, data: Buffer, generation = 0) =>
  ({ ref: ref(index), generation, offset, data, zeroLength: 0, fua: false, extentSize: MiB });

t.test('ExtentStore.read() of a never-written extent says it does not exist', async (t) => {
  const { store } = await setup(t);
  const res = await store.read({ ref: ref(1), offset: 0, length: 4096 });
  t.equal(res.state.exists, false);
  t.equal(res.data.length, 0);
});

t.test('ExtentStore.write() of a range reads back with zeros around it, and stays thin', async (t) => {
  const { store, dir } = await setup(t);
  await store.write(write(3, 8192, Buffer.alloc(4096, 7)));
  const res = await store.read({ ref: ref(3), offset: 4096, length: 3 * 4096 });
  t.equal(res.state.exists, true);
  t.ok(res.data.subarray(0, 4096).every((b) => b === 0));
  t.ok(res.data.subarray(4096, 8192).every((b) => b === 7));
  t.ok(res.data.subarray(8192).every((b) => b === 0));
  const st = await stat(join(dir, 'block', 'l-a', '3'));
  t.ok(st.blocks * 512 <= 3 * 4096, 'only header and written block allocated');
});

t.test('ExtentStore.write() refuses a stale or a newer generation', async (t) => {
  const { store } = await setup(t);
  await store.write(write(1, 0, Buffer.alloc(10, 1)));
  await store.setGeneration({ ref: ref(1), expected: 0, generation: 1 });
  await t.rejects(store.write(write(1, 0, Buffer.alloc(10, 2), 0)), { code: 'CONFLICT' });
  await t.rejects(store.write(write(1, 0, Buffer.alloc(10, 2), 2)), { code: 'STALE' });
  const st = await store.write(write(1, 0, Buffer.alloc(10, 3), 1));
  t.equal(st.generation, 1);
});

t.test('ExtentStore.write() with zeros over the whole extent frees it but keeps the generation', async (t) => {
  const { store, dir } = await setup(t);
  await store.write(write(2, 0, Buffer.alloc(MiB, 9)));
  await store.setGeneration({ ref: ref(2), expected: 0, generation: 5 });
  const st = await store.write({ ref: ref(2), generation: 5, offset: 0, data: Buffer.alloc(0), zeroLength: MiB, fua: true, extentSize: MiB });
  t.same(st, { exists: true, generation: 5, zeroed: true });
  t.equal((await stat(join(dir, 'block', 'l-a', '2'))).size, HEADER_BYTES);
  const list = await store.listLayer('d1', 'l-a');
  t.same(list.zeroedIndexes, [2]);
});

t.test('ExtentStore rejects bad ranges, unknown devices and bad layer ids', async (t) => {
  const { store } = await setup(t);
  await t.rejects(store.write(write(1, MiB - 1, Buffer.alloc(2))), { code: 'INVALID_ARGUMENT' });
  await t.rejects(store.stat([{ device: 'nope', layer: 'l-a', index: 0 }]), { code: 'NOT_MOUNTED' });
  await t.rejects(store.stat([{ device: 'd1', layer: '../etc', index: 0 }]), { code: 'INVALID_ARGUMENT' });
});

t.test('ExtentStore keeps data across evictions and replace() swaps whole extents', async (t) => {
  const { store } = await setup(t);
  for (let i = 0; i < 5; i++) await store.write(write(i, 0, Buffer.alloc(100, i + 1)));
  await store.flush([0, 1, 2, 3, 4].map((i) => ref(i)));
  for (let i = 0; i < 5; i++) {
    const r = await store.read({ ref: ref(i), offset: 0, length: 100 });
    t.ok(r.data.every((b) => b === i + 1), `extent ${i}`);
  }
  const st = await store.replace({ ref: ref(1), generation: 4, data: Buffer.alloc(50, 0xee), zeroed: false });
  t.equal(st.generation, 4);
  const r = await store.read({ ref: ref(1), offset: 0, length: 100 });
  t.ok(r.data.subarray(0, 50).every((b) => b === 0xee));
  t.ok(r.data.subarray(50).every((b) => b === 0));
  await store.deleteLayer('d1', 'l-a');
  t.same((await store.listLayer('d1', 'l-a')).indexes, []);
});

t.test('ExtentStore.deleteExtents() removes only the named extent files, open or not', async (t) => {
  const { dir, store } = await setup(t);
  for (let i = 0; i < 4; i++) await store.write(write(i, 0, Buffer.alloc(4096, i + 1)));
  await store.write({ ...write(0, 0, Buffer.alloc(10, 9)), ref: ref(0, 'l-b') });
  const { readdir } = await import('node:fs/promises');
  t.same((await readdir(join(dir, 'block', 'l-a'))).sort(), ['0', '1', '2', '3']);
  t.equal(await store.deleteExtents('d1', 'l-a', [0, 3, 7]), 2, 'a missing extent is skipped, not counted');
  t.same((await readdir(join(dir, 'block', 'l-a'))).sort(), ['1', '2'], 'two files left on disk');
  t.same((await store.stat([ref(0), ref(1), ref(3)])).map((s) => s.exists), [false, true, false]);
  t.equal((await store.read({ ref: ref(2), offset: 0, length: 10 })).data[0], 3, 'kept extents still read');
  t.equal((await store.stat([ref(0, 'l-b')]))[0].exists, true, 'the same index of another layer stays');
  const again = await store.write(write(0, 0, Buffer.alloc(10, 5)));
  t.equal(again.generation, 0, 'a deleted extent can be written anew');
  await t.rejects(store.deleteExtents('d1', '../x', [0]), { code: 'INVALID_ARGUMENT' });
  await t.rejects(store.deleteExtents('nope', 'l-a', [0]), { code: 'NOT_MOUNTED' });
  await t.rejects(store.deleteExtents('d1', 'l-a', [-1]), { code: 'INVALID_ARGUMENT' });
});
