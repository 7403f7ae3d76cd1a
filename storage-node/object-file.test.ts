import t from 'tap';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeTrailer, readStoredMeta, wholeFileOf, type StoredMeta } from './object-file.js';

const meta = (size: number): StoredMeta => ({
  size, etag: 'e', checksum: 'c', contentType: 'text/plain', timestamp: '1700000000.00001', deleteAtMs: 0, metadata: { 'x-object-meta-a': 'b' },
});

async function fileWith(dir: string, body: Buffer, m: StoredMeta = meta(body.length)): Promise<string> {
  const path = join(dir, `${body.length}.data`);
  await writeFile(path, Buffer.concat([body, encodeTrailer(m)]));
  return path;
}

t.test('readStoredMeta() reads a small file whole and keeps its bytes for the body', async (t) => {
  const dir = t.testdir({});
  const body = Buffer.from('small body');
  const fh = await open(await fileWith(dir, body), 'r');
  t.teardown(() => fh.close());
  t.same(await readStoredMeta(fh, 'f'), meta(body.length));
  const whole = wholeFileOf(fh);
  t.ok(whole && whole.subarray(0, body.length).equals(body), 'the body is at the start of the kept bytes');
});

t.test('readStoredMeta() of a large file keeps nothing and still finds its metadata', async (t) => {
  const dir = t.testdir({});
  const body = Buffer.alloc(100 * 1024, 3);
  const fh = await open(await fileWith(dir, body), 'r');
  t.teardown(() => fh.close());
  t.equal((await readStoredMeta(fh, 'f')).size, body.length);
  t.equal(wholeFileOf(fh), undefined);
});

t.test('readStoredMeta() refuses a file whose metadata disagrees with its size', async (t) => {
  const dir = t.testdir({});
  const fh = await open(await fileWith(dir, Buffer.from('abc'), meta(4)), 'r');
  t.teardown(() => fh.close());
  await t.rejects(readStoredMeta(fh, 'f'), { code: 'CORRUPT', message: /size does not match/ });
  const short = await open(join(dir, 'short'), 'w+');
  t.teardown(() => short.close());
  await short.write(Buffer.from('tiny'));
  await t.rejects(readStoredMeta(short, 'short'), { code: 'CORRUPT', message: /too short/ });
});
