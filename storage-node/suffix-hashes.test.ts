import t from 'tap';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { formatTimestamp } from '../common/index.js';
import { FsObjectStore } from './fs-object-store.js';
import { Devices } from './devices.js';
import { PathHasher } from './path-hash.js';
import { suffixHashes, listPartitions } from './suffix-hashes.js';

const header = { contentType: 'x', metadata: {}, deleteAtMs: 0, contentLength: -1, ifNoneMatchAny: false };
const ts = (n: number) => formatTimestamp(1_700_000_000_000 + n);

t.test('suffixHashes() agree between replicas with the same versions and differ otherwise', async (t) => {
  const dir = t.testdir({ d1: {}, d2: {} });
  const devices = new Devices([{ name: 'd1', path: join(dir, 'd1') }, { name: 'd2', path: join(dir, 'd2') }]);
  const store = new FsObjectStore({ devices, hasher: await PathHasher.create('s') });
  for (const device of ['d1', 'd2']) {
    for (let i = 0; i < 20; i++) {
      const key = { device, partition: 4, account: 'a', container: 'c', object: `o${i}` };
      await (await store.stage(key, header, Readable.from([Buffer.from(`v${i}`)]))).commit({ timestamp: ts(i) });
    }
  }
  const h1 = await suffixHashes(join(dir, 'd1'), 4);
  const h2 = await suffixHashes(join(dir, 'd2'), 4);
  t.ok(h1.size > 0);
  t.same([...h1], [...h2]);
  t.same(await listPartitions(join(dir, 'd1')), [4]);
  const key = { device: 'd2', partition: 4, account: 'a', container: 'c', object: 'o3' };
  await store.delete(key, ts(100));
  const changed = store.locate(join(dir, 'd2'), key).suffix;
  const after = await suffixHashes(join(dir, 'd2'), 4);
  for (const [suffix, h] of h1) {
    if (suffix === changed) t.not(after.get(suffix), h, 'the suffix with the tombstone differs');
    else t.equal(after.get(suffix), h);
  }
  t.same([...(await suffixHashes(join(dir, 'd1'), 4, [changed]))], [[changed, h1.get(changed)]]);
  await writeFile(join(dir, 'd1', 'objects', '4', changed, 'stray.tmp'), 'x');
  t.equal((await suffixHashes(join(dir, 'd1'), 4)).get(changed), h1.get(changed), 'stray files do not count');
  t.same(await listPartitions(join(dir, 'nothing')), []);
});
