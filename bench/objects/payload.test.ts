import t from 'tap';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { PayloadSet } from './payload.js';

async function md5Of(body: Buffer | Readable): Promise<{ md5: string; bytes: number }> {
  const hash = createHash('md5');
  let bytes = 0;
  if (Buffer.isBuffer(body)) { hash.update(body); bytes = body.length; } else {
    for await (const chunk of body) { hash.update(chunk as Buffer); bytes += (chunk as Buffer).length; }
  }
  return { md5: hash.digest('hex'), bytes };
}

t.test('PayloadSet bodies match their MD5 for buffered and streamed sizes', async (t) => {
  for (const size of [4096, 5 * 1024 * 1024 + 7]) {
    const set = new PayloadSet(size, 3);
    for (let i = 0; i < 3; i++) {
      const p = set.pick(i);
      const got = await md5Of(set.body(p));
      t.equal(got.bytes, size, `size ${size} variant ${i}`);
      t.equal(got.md5, p.md5, `md5 ${size} variant ${i}`);
    }
    t.not(set.pick(0).md5, set.pick(1).md5, 'variants differ');
  }
});

t.test('PayloadSet is deterministic across instances (later runs verify earlier objects)', async (t) => {
  t.equal(new PayloadSet(4096).pick(5).md5, new PayloadSet(4096).pick(5).md5);
  t.not(new PayloadSet(4096).pick(5).md5, new PayloadSet(4097).pick(5).md5);
});

t.test('PayloadSet streams a large body as fresh streams each time', async (t) => {
  const set = new PayloadSet(6 * 1024 * 1024, 1);
  const p = set.pick(0);
  t.notOk(p.data, 'large payloads are not held in memory');
  const a = await md5Of(set.body(p));
  const b = await md5Of(set.body(p));
  t.equal(a.md5, b.md5);
});
