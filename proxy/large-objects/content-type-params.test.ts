import t from 'tap';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { buildTestApp, login, swiftCaller } from '../testing/test-app.js';
import { cleanContentType } from './content-type-params.js';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

t.test('cleanContentType() strips swift_bytes and s3_etag and reads swift_bytes', async (t) => {
  t.same(cleanContentType('application/octet-stream;swift_bytes=12582912;s3_etag=0123abcd-3'),
    { contentType: 'application/octet-stream', swiftBytes: 12582912 });
  t.same(cleanContentType('text/plain; charset=utf-8; swift_bytes=10'), { contentType: 'text/plain; charset=utf-8', swiftBytes: 10 });
  t.same(cleanContentType('text/plain;s3_etag=ab-2;charset=utf-8'), { contentType: 'text/plain;charset=utf-8' });
  t.same(cleanContentType('text/plain;SWIFT_BYTES=7'), { contentType: 'text/plain', swiftBytes: 7 }, 'names ignore case');
});

t.test('cleanContentType() keeps other parameters, including quoted ones holding ";"', async (t) => {
  t.same(cleanContentType('text/plain'), { contentType: 'text/plain' });
  t.same(cleanContentType('multipart/mixed; boundary="a;swift_bytes=1";swift_bytes=3'),
    { contentType: 'multipart/mixed; boundary="a;swift_bytes=1"', swiftBytes: 3 });
  t.same(cleanContentType('text/x;flag;swift_bytes=3'), { contentType: 'text/x;flag', swiftBytes: 3 });
});

t.test('cleanContentType() drops a swift_bytes that is not a byte count without using it', async (t) => {
  t.same(cleanContentType('a/b;swift_bytes=-1'), { contentType: 'a/b' });
  t.same(cleanContentType('a/b;swift_bytes=abc'), { contentType: 'a/b' });
  t.same(cleanContentType('a/b;swift_bytes=99999999999999999999'), { contentType: 'a/b' });
  t.same(cleanContentType('a/b;;swift_bytes=1'), { contentType: 'a/b;;swift_bytes=1' }, 'unparseable text is kept');
});

t.test('Swift GET, HEAD, ranges, listings and COPY hide an S3 multipart manifest\'s content type parameters', async (t) => {
  const { app, cluster } = await buildTestApp();
  t.teardown(() => app.close());
  const call = swiftCaller(app, await login(app, 'test:tester', 'testing'));
  await call('PUT', '/b');
  await call('PUT', '/b+segments');
  const parts = ['aaaa', 'bbbbbb'];
  for (const [i, p] of parts.entries()) await call('PUT', `/b+segments/k/u1/0000${i + 1}`, { payload: p });
  // The manifest exactly as the S3 plugin stores a completed multipart upload (10 bytes, 2 parts).
  const manifest = Buffer.from(JSON.stringify(parts.map((p, i) => ({
    name: `/b+segments/k/u1/0000${i + 1}`, hash: md5(p), bytes: p.length, content_type: 'application/octet-stream',
  }))));
  const sloEtag = md5(parts.map(md5).join(''));
  await cluster.putObject({
    account: 'AUTH_test', container: 'b', object: 'k', body: Readable.from([manifest]),
    contentType: 'text/csv; charset=utf-8;swift_bytes=10;s3_etag=0123456789abcdef0123456789abcdef-2',
    metadata: {
      'x-static-large-object': 'True', 'x-object-sysmeta-slo-etag': sloEtag, 'x-object-sysmeta-slo-size': '10',
      'x-object-sysmeta-s3-etag': '0123456789abcdef0123456789abcdef-2',
    },
  });
  const get = await call('GET', '/b/k');
  t.same([get.statusCode, get.body, get.headers['content-type']], [200, 'aaaabbbbbb', 'text/csv; charset=utf-8']);
  const head = await call('HEAD', '/b/k');
  t.same([head.headers['content-type'], head.headers['content-length']], ['text/csv; charset=utf-8', '10']);
  const ranges = await call('GET', '/b/k', { headers: { range: 'bytes=0-0,-1' } });
  t.equal(ranges.statusCode, 206);
  t.match(ranges.body, /Content-Type: text\/csv; charset=utf-8\r\n/);
  t.notMatch(ranges.body, /swift_bytes|s3_etag/);

  const json = JSON.parse((await call('GET', '/b?format=json')).body) as Array<Record<string, unknown>>;
  t.same([json[0]!.name, json[0]!.bytes, json[0]!.content_type, json[0]!.hash], ['k', 10, 'text/csv; charset=utf-8', md5(manifest.toString())],
    'bytes is swift_bytes; hash stays the manifest\'s, as in Swift');
  const xml = (await call('GET', '/b?format=xml')).body;
  t.match(xml, /<bytes>10<\/bytes><content_type>text\/csv; charset=utf-8<\/content_type>/);
  t.notMatch(xml, /swift_bytes|s3_etag/);
  t.equal((await call('GET', '/b')).body, 'k\n');

  t.equal((await call('COPY', '/b/k', { headers: { destination: 'b/flat' } })).statusCode, 201);
  const flat = JSON.parse((await call('GET', '/b?format=json&prefix=flat')).body) as Array<Record<string, unknown>>;
  t.same([flat[0]!.bytes, flat[0]!.content_type, flat[0]!.hash], [10, 'text/csv; charset=utf-8', md5('aaaabbbbbb')],
    'a copy is a plain object without the manifest\'s parameters');
  const stored = await cluster.headObject({ account: 'AUTH_test', container: 'b', object: 'flat' });
  t.equal(stored.contentType, 'text/csv; charset=utf-8');
});
