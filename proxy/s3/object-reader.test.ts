import t from 'tap';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { MemoryObjectCluster } from '../testing/memory-cluster.js';
import { S3Error } from './errors.js';
import { cleanContentType, listingView, manifestContentType, openObject, readManifest, SLO_KEY, SLO_SIZE_KEY, S3_ETAG_KEY } from './object-reader.js';

async function fixture() {
  const cluster = new MemoryObjectCluster();
  await cluster.putContainer({ account: 'A', container: 'c' }, {});
  await cluster.putContainer({ account: 'A', container: 'seg' }, {});
  const segs = ['abc', 'defg', 'hij'];
  const manifest = [];
  for (const [i, s] of segs.entries()) {
    const r = await cluster.putObject({ account: 'A', container: 'seg', object: `p${i}`, body: Readable.from([Buffer.from(s)]), contentType: 'x', metadata: {} });
    manifest.push({ name: `/seg/p${i}`, hash: r.etag, bytes: s.length });
  }
  const body = JSON.stringify(manifest);
  await cluster.putObject({
    account: 'A', container: 'c', object: 'big', body: Readable.from([Buffer.from(body)]),
    contentType: manifestContentType('text/plain', 10, 'abc-3'), metadata: { [SLO_KEY]: 'True', [SLO_SIZE_KEY]: '10', [S3_ETAG_KEY]: 'abc-3' },
  });
  return cluster;
}

t.test('openObject() streams a manifest\'s segments, whole or any range', async (t) => {
  const cluster = await fixture();
  const path = { account: 'A', container: 'c', object: 'big' };
  const whole = await openObject(cluster, path);
  t.equal(await text(whole.body), 'abcdefghij');
  t.equal(whole.view.size, 10);
  t.equal(whole.view.etag, 'abc-3');
  t.equal(whole.view.meta.contentType, 'text/plain', 'manifest parameters stripped');
  for (const [start, end] of [[0, 0], [2, 3], [3, 6], [1, 8], [9, 9]] as const) {
    const part = await openObject(cluster, path, { start, end });
    t.equal(await text(part.body), 'abcdefghij'.slice(start, end + 1), `${start}-${end}`);
    t.same(part.range, { start, end });
  }
  t.equal(await text((await openObject(cluster, path, { suffix: 2 })).body), 'ij');
  const far = await openObject(cluster, path, { start: 600 }).catch((e: unknown) => e);
  t.ok(far instanceof S3Error && far.s3Code === 'InvalidRange', 'past the logical end');
});

t.test('a segment changed after completion fails the read instead of serving other data', async (t) => {
  const cluster = await fixture();
  await cluster.putObject({ account: 'A', container: 'seg', object: 'p1', body: Readable.from([Buffer.from('XXXX')]), contentType: 'x', metadata: {} });
  const opened = await openObject(cluster, { account: 'A', container: 'c', object: 'big' });
  await t.rejects(text(opened.body), { code: 'CORRUPT' });
});

t.test('readManifest() rejects bodies that are not manifests', async (t) => {
  await t.rejects(readManifest(Readable.from([Buffer.from('not json')])), { code: 'CORRUPT' });
  await t.rejects(readManifest(Readable.from([Buffer.from('{"a":1}')])), { code: 'CORRUPT' });
  await t.rejects(readManifest(Readable.from([Buffer.from('[{"name":1}]')])), { code: 'CORRUPT' });
});

t.test('listingView() and cleanContentType() read and strip the manifest parameters', async (t) => {
  t.same(listingView({ size: 99, etag: 'm', contentType: 'a/b;swift_bytes=10;s3_etag=abc-3' }), { size: 10, etag: 'abc-3' });
  t.same(listingView({ size: 99, etag: 'm', contentType: 'a/b' }), { size: 99, etag: 'm' });
  t.equal(cleanContentType('a/b; charset=utf-8;swift_bytes=10;s3_etag=abc-3'), 'a/b; charset=utf-8');
});

t.test('Swift SLO segments with a "range" contribute only that range', async (t) => {
  const cluster = await fixture();
  const manifest = JSON.stringify([{ name: '/seg/p1', hash: 'x', bytes: 4, range: '1-2' }, { name: '/seg/p0', hash: 'y', bytes: 3 }]);
  await cluster.putObject({ account: 'A', container: 'c', object: 'ranged', body: Readable.from([Buffer.from(manifest)]), contentType: 'x', metadata: { [SLO_KEY]: 'True' } });
  const opened = await openObject(cluster, { account: 'A', container: 'c', object: 'ranged' });
  t.equal(opened.view.size, 5);
  // The second segment's hash is wrong on purpose: only whole segments are checked, so it fails.
  await t.rejects(text(opened.body), { code: 'CORRUPT' });
  const part = await openObject(cluster, { account: 'A', container: 'c', object: 'ranged' }, { start: 0, end: 2 });
  t.equal(await text(part.body), 'efa');
});
