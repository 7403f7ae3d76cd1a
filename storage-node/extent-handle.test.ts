import t, { type Test } from 'tap';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAt, writeAt, SYNC_IO_MAX_BYTES, type OpenExtent } from './extent-handle.js';

async function openTemp(t: Test): Promise<OpenExtent> {
  const dir = await mkdtemp(join(tmpdir(), 'extent-handle-'));
  const path = join(dir, '0');
  const fh = await open(path, 'w+');
  const ex: OpenExtent = { fh, path, generation: 1, size: 0, dirty: false, created: true };
  t.teardown(async () => {
    await fh.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });
  return ex;
}

function pattern(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 255;
  return b;
}

t.test('writeAt() and readAt() round-trip small (synchronous) and large (thread-pool) ranges', async (t) => {
  const ex = await openTemp(t);
  const small = pattern(4096, 7);
  const large = pattern(SYNC_IO_MAX_BYTES + 4096, 11);
  await writeAt(ex, large, 8192);
  await writeAt(ex, small, 100);
  const got = Buffer.alloc(large.length + 8192);
  let n = 0;
  while (n < got.length) {
    const r = await readAt(ex, got, n, got.length - n, n);
    if (r === 0) break;
    n += r;
  }
  t.equal(n, 8192 + large.length);
  t.ok(got.subarray(100, 4196).equals(small), 'small write at its offset');
  t.ok(got.subarray(4196, 8192).equals(Buffer.alloc(8192 - 4196)), 'hole reads as zeros');
  t.ok(got.subarray(8192).equals(large), 'large write at its offset');
  const small2 = Buffer.alloc(4096);
  t.equal(await readAt(ex, small2, 0, 4096, 100), 4096);
  t.ok(small2.equals(small), 'synchronous small read');
});

t.test('readAt() returns 0 past the end of the file', async (t) => {
  const ex = await openTemp(t);
  await writeAt(ex, pattern(100, 1), 0);
  t.equal(await readAt(ex, Buffer.alloc(4096), 0, 4096, 100), 0);
  t.equal(await readAt(ex, Buffer.alloc(4096), 0, 4096, 50), 50);
});

t.test('writeAt() and readAt() reject (not throw synchronously) on a closed file', async (t) => {
  const ex = await openTemp(t);
  await ex.fh.close();
  const w = writeAt(ex, pattern(4096, 3), 0);
  t.type(w, Promise);
  await t.rejects(w);
  await t.rejects(readAt(ex, Buffer.alloc(4096), 0, 4096, 0));
});
