// Objects, containers and accounts through ReplicatedObjectCluster over 4 real storage-node
// processes holding 3 replicas. Needs `npm run build` (the nodes run compiled code).
import t from 'tap';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { startTestCluster } from './cluster.js';
import type { ObjectCluster, ObjectListingEntry } from '../../cluster/index.js';

const data = (size: number, seed: number): Buffer => {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * seed + seed) % 256;
  return b;
};
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');
const read = async (r: Readable): Promise<Buffer> => {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
};
/** Polls `fn` until it returns true, at most `ms`. */
async function eventually(fn: () => Promise<boolean>, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return fn();
}
const names = async (cluster: ObjectCluster, container: string): Promise<string[]> =>
  (await cluster.listContainer({ account: 'AUTH_t', container }, { limit: 100 }))
    .map((e) => (e as ObjectListingEntry).name ?? '').filter(Boolean);

t.test('ReplicatedObjectCluster over real nodes: put, get, list, post, delete', async (t) => {
  const c = await startTestCluster(t, { nodes: 4, replicas: 3 });
  const { cluster } = await c.openCluster();
  const acct = 'AUTH_t';
  t.same(await cluster.headAccount(acct), { containerCount: 0, objectCount: 0, bytesUsed: 0, metadata: {} }, 'accounts autocreate');
  await t.rejects(cluster.putObject({ account: acct, container: 'box', object: 'o', body: Readable.from([Buffer.from('x')]), contentType: '', metadata: {} }), { code: 'NOT_FOUND' }, 'no container yet');
  t.same(await cluster.putContainer({ account: acct, container: 'box' }, { 'x-container-meta-color': 'blue' }), { created: true });
  t.equal((await cluster.headContainer({ account: acct, container: 'box' })).metadata['x-container-meta-color'], 'blue');

  const sizes = [0, 1, 65_535, 65_536, 300_001];
  const bodies = new Map<string, Buffer>();
  for (const [i, size] of sizes.entries()) {
    const body = data(size, i + 1);
    const name = `dir/obj-${i}`;
    bodies.set(name, body);
    const res = await cluster.putObject({
      account: acct, container: 'box', object: name, body: Readable.from([body.subarray(0, size >> 1), body.subarray(size >> 1)]),
      contentType: 'application/octet-stream', metadata: { 'x-object-meta-i': String(i) }, contentLength: size, expectedEtag: md5(body),
    });
    t.equal(res.etag, md5(body), `etag of ${size} bytes`);
  }
  for (const [name, body] of bodies) {
    const got = await cluster.getObject({ account: acct, container: 'box', object: name });
    t.equal(got.meta.size, body.length);
    t.ok((await read(got.body)).equals(body), `${name} reads back`);
  }
  const ranged = await cluster.getObject({ account: acct, container: 'box', object: 'dir/obj-4', range: { start: 70_000, end: 70_099 } });
  t.ok((await read(ranged.body)).equals(bodies.get('dir/obj-4')!.subarray(70_000, 70_100)), 'range');
  await t.rejects(cluster.putObject({ account: acct, container: 'box', object: 'bad', body: Readable.from([Buffer.from('abc')]), contentType: '', metadata: {}, expectedEtag: md5(Buffer.from('abd')) }), { code: 'CHECKSUM_MISMATCH' });
  await t.rejects(cluster.putObject({ account: acct, container: 'box', object: 'dir/obj-1', body: Readable.from([Buffer.from('abc')]), contentType: '', metadata: {}, ifNoneMatchAny: true }), { code: 'PRECONDITION_FAILED' });

  t.ok(await eventually(async () => (await names(cluster, 'box')).length === sizes.length), 'the listing has every object');
  const delimited = await cluster.listContainer({ account: acct, container: 'box' }, { limit: 100, delimiter: '/' });
  t.same(delimited, [{ subdir: 'dir/' }]);
  t.ok(await eventually(async () => (await cluster.headContainer({ account: acct, container: 'box' })).objectCount === sizes.length), 'container counts');
  t.ok(await eventually(async () => (await cluster.listAccount(acct, { limit: 10 })).some((e) => 'name' in e && e.name === 'box')), 'account lists the container');

  await cluster.postObject({ account: acct, container: 'box', object: 'dir/obj-2', metadata: { 'x-object-meta-new': 'yes' } });
  t.equal((await cluster.headObject({ account: acct, container: 'box', object: 'dir/obj-2' })).metadata['x-object-meta-new'], 'yes');

  await cluster.deleteObject({ account: acct, container: 'box', object: 'dir/obj-0' });
  await t.rejects(cluster.getObject({ account: acct, container: 'box', object: 'dir/obj-0' }), { code: 'NOT_FOUND' });
  await t.rejects(cluster.deleteObject({ account: acct, container: 'box', object: 'dir/obj-0' }), { code: 'NOT_FOUND' });
  t.ok(await eventually(async () => !(await names(cluster, 'box')).includes('dir/obj-0')), 'the listing drops it');

  await t.rejects(cluster.deleteContainer({ account: acct, container: 'box' }), { code: 'CONFLICT' }, 'not empty');
  for (const name of bodies.keys()) if (name !== 'dir/obj-0') await cluster.deleteObject({ account: acct, container: 'box', object: name });
  t.ok(await eventually(async () => (await names(cluster, 'box')).length === 0), 'empty listing');
  await cluster.deleteContainer({ account: acct, container: 'box' });
  await t.rejects(cluster.headContainer({ account: acct, container: 'box' }), { code: 'NOT_FOUND' });
});
