import t, { type Test } from 'tap';
import { createHash } from 'node:crypto';
import { s3TestApp, send, xmlText, type TestApp } from './s3-test-app.js';

async function withBucket(t: Test): Promise<TestApp> {
  const ta = await s3TestApp();
  t.teardown(() => ta.app.close());
  await send(ta.app, { method: 'PUT', url: '/objs' });
  return ta;
}

t.test('PutObject/GetObject/HeadObject keep content type, user metadata and ETag', async (t) => {
  const { app } = await withBucket(t);
  const put = await send(app, {
    method: 'PUT', url: '/objs/dir/na%20me.txt', body: 'hello world',
    headers: { 'content-type': 'text/plain', 'x-amz-meta-color': 'blue', 'cache-control': 'no-cache', 'content-disposition': 'attachment' },
  });
  t.equal(put.statusCode, 200);
  t.equal(put.headers.etag, '"5eb63bbbe01eeed093cb22bb8f5acdc3"');
  const get = await send(app, { method: 'GET', url: '/objs/dir/na%20me.txt' });
  t.equal(get.body, 'hello world');
  t.equal(get.headers['content-type'], 'text/plain');
  t.equal(get.headers['x-amz-meta-color'], 'blue');
  t.equal(get.headers['cache-control'], 'no-cache');
  t.equal(get.headers['content-disposition'], 'attachment');
  t.ok(get.headers['last-modified']);
  const head = await send(app, { method: 'HEAD', url: '/objs/dir/na%20me.txt' });
  t.equal(head.statusCode, 200);
  t.equal(head.headers['content-length'], '11');
  t.equal(head.body, '');
  const missing = await send(app, { method: 'GET', url: '/objs/missing' });
  t.equal(missing.statusCode, 404);
  t.equal(xmlText(missing.body, 'Code'), 'NoSuchKey');
  t.equal(xmlText(missing.body, 'RequestId'), missing.headers['x-amz-request-id']);
  t.equal((await send(app, { method: 'HEAD', url: '/objs/missing' })).statusCode, 404);
  const noBucket = await send(app, { method: 'PUT', url: '/nobucket/k', body: 'x' });
  t.equal(xmlText(noBucket.body, 'Code'), 'NoSuchBucket');
});

t.test('PutObject verifies Content-MD5, x-amz-content-sha256 and x-amz-checksum-* and stores nothing on mismatch', async (t) => {
  const { app } = await withBucket(t);
  const md5 = (s: string) => createHash('md5').update(s).digest('base64');
  t.equal((await send(app, { method: 'PUT', url: '/objs/m', body: 'abc', headers: { 'content-md5': md5('abc') } })).statusCode, 200);
  const bad = await send(app, { method: 'PUT', url: '/objs/bad', body: 'abc', headers: { 'content-md5': md5('abd') } });
  t.equal(xmlText(bad.body, 'Code'), 'BadDigest');
  t.equal(xmlText((await send(app, { method: 'PUT', url: '/objs/bad', body: 'abc', headers: { 'content-md5': 'zz' } })).body, 'Code'), 'InvalidDigest');
  const wrongSha = await send(app, { method: 'PUT', url: '/objs/bad', body: 'abc', payloadHash: createHash('sha256').update('abd').digest('hex') });
  t.equal(xmlText(wrongSha.body, 'Code'), 'XAmzContentSHA256Mismatch');
  const crc = Buffer.from('352441c2', 'hex').toString('base64'); // CRC32("abc")
  const ok = await send(app, { method: 'PUT', url: '/objs/c', body: 'abc', headers: { 'x-amz-checksum-crc32': crc } });
  t.equal(ok.headers['x-amz-checksum-crc32'], crc);
  const got = await send(app, { method: 'GET', url: '/objs/c', headers: { 'x-amz-checksum-mode': 'ENABLED' } });
  t.equal(got.headers['x-amz-checksum-crc32'], crc, 'returned when asked for');
  const badCrc = await send(app, { method: 'PUT', url: '/objs/bad', body: 'abd', headers: { 'x-amz-checksum-crc32': crc } });
  t.equal(xmlText(badCrc.body, 'Code'), 'BadDigest');
  t.equal((await send(app, { method: 'HEAD', url: '/objs/bad' })).statusCode, 404, 'no partial object');
});

t.test('aws-chunked unsigned body with a trailing checksum is decoded; a truncated one stores nothing', async (t) => {
  const { app } = await withBucket(t);
  const crc = Buffer.from('0d4a1185', 'hex').toString('base64'); // CRC32("hello world")
  const body = `5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:${crc}\r\n\r\n`;
  const headers = { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '11', 'x-amz-trailer': 'x-amz-checksum-crc32' };
  const put = await send(app, { method: 'PUT', url: '/objs/chunked', body, payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', headers });
  t.equal(put.statusCode, 200, put.body);
  t.equal(put.headers['x-amz-checksum-crc32'], crc);
  const get = await send(app, { method: 'GET', url: '/objs/chunked' });
  t.equal(get.body, 'hello world');
  t.equal(get.headers['content-encoding'], undefined, 'aws-chunked is not stored');
  const truncated = await send(app, { method: 'PUT', url: '/objs/trunc', body: body.slice(0, 20), payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', headers });
  t.equal(xmlText(truncated.body, 'Code'), 'IncompleteBody');
  const badTrailer = body.replace(crc, 'AAAAAA==');
  const bad = await send(app, { method: 'PUT', url: '/objs/trunc', body: badTrailer, payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', headers });
  t.equal(xmlText(bad.body, 'Code'), 'BadDigest');
  t.equal((await send(app, { method: 'HEAD', url: '/objs/trunc' })).statusCode, 404);
});

t.test('GetObject serves ranges, 416 past the end, conditionals and response-* overrides', async (t) => {
  const { app } = await withBucket(t);
  const put = await send(app, { method: 'PUT', url: '/objs/r', body: '0123456789' });
  const etag = put.headers.etag as string;
  const r = await send(app, { method: 'GET', url: '/objs/r', headers: { range: 'bytes=2-4' } });
  t.equal(r.statusCode, 206);
  t.equal(r.body, '234');
  t.equal(r.headers['content-range'], 'bytes 2-4/10');
  t.equal((await send(app, { method: 'GET', url: '/objs/r', headers: { range: 'bytes=-3' } })).body, '789');
  const beyond = await send(app, { method: 'GET', url: '/objs/r', headers: { range: 'bytes=10-' } });
  t.equal(beyond.statusCode, 416);
  t.equal(xmlText(beyond.body, 'Code'), 'InvalidRange');
  t.equal((await send(app, { method: 'GET', url: '/objs/r', headers: { range: 'bytes=0-1,4-5' } })).statusCode, 200);
  t.equal((await send(app, { method: 'GET', url: '/objs/r', headers: { 'if-none-match': etag } })).statusCode, 304);
  t.equal((await send(app, { method: 'GET', url: '/objs/r', headers: { 'if-match': '"nope"' } })).statusCode, 412);
  t.equal((await send(app, { method: 'HEAD', url: '/objs/r', headers: { 'if-match': '"nope"' } })).statusCode, 412);
  t.equal((await send(app, { method: 'GET', url: '/objs/r', headers: { 'if-modified-since': new Date(Date.now() + 60000).toUTCString() } })).statusCode, 304);
  const o = await send(app, { method: 'GET', url: '/objs/r?response-content-type=text%2Fcsv&response-content-disposition=inline' });
  t.equal(o.headers['content-type'], 'text/csv');
  t.equal(o.headers['content-disposition'], 'inline');
  const ifNone = await send(app, { method: 'PUT', url: '/objs/r', body: 'x', headers: { 'if-none-match': '*' } });
  t.equal(ifNone.statusCode, 412);
});

t.test('DeleteObject answers 204 whether or not the key existed', async (t) => {
  const { app } = await withBucket(t);
  await send(app, { method: 'PUT', url: '/objs/d', body: 'x' });
  t.equal((await send(app, { method: 'DELETE', url: '/objs/d' })).statusCode, 204);
  t.equal((await send(app, { method: 'DELETE', url: '/objs/d' })).statusCode, 204);
  t.equal((await send(app, { method: 'GET', url: '/objs/d' })).statusCode, 404);
});

t.test('CopyObject copies or replaces metadata, checks copy conditions, refuses a no-op self copy', async (t) => {
  const { app } = await withBucket(t);
  const put = await send(app, { method: 'PUT', url: '/objs/src', body: 'copy me', headers: { 'content-type': 'text/x', 'x-amz-meta-a': '1' } });
  const copy = await send(app, { method: 'PUT', url: '/objs/dst', headers: { 'x-amz-copy-source': '/objs/src' } });
  t.equal(copy.statusCode, 200, copy.body);
  t.equal(xmlText(copy.body, 'ETag'), put.headers.etag?.toString().replace(/"/g, '&quot;'));
  const dst = await send(app, { method: 'GET', url: '/objs/dst' });
  t.equal(dst.body, 'copy me');
  t.equal(dst.headers['x-amz-meta-a'], '1');
  t.equal(dst.headers['content-type'], 'text/x');
  await send(app, { method: 'PUT', url: '/objs/dst2', headers: { 'x-amz-copy-source': 'objs/src', 'x-amz-metadata-directive': 'REPLACE', 'x-amz-meta-b': '2', 'content-type': 'text/y' } });
  const dst2 = await send(app, { method: 'HEAD', url: '/objs/dst2' });
  t.equal(dst2.headers['x-amz-meta-a'], undefined);
  t.equal(dst2.headers['x-amz-meta-b'], '2');
  t.equal(dst2.headers['content-type'], 'text/y');
  const self = await send(app, { method: 'PUT', url: '/objs/src', headers: { 'x-amz-copy-source': '/objs/src' } });
  t.equal(xmlText(self.body, 'Code'), 'InvalidRequest');
  const cond = await send(app, { method: 'PUT', url: '/objs/dst3', headers: { 'x-amz-copy-source': '/objs/src', 'x-amz-copy-source-if-match': '"other"' } });
  t.equal(cond.statusCode, 412);
  const missing = await send(app, { method: 'PUT', url: '/objs/dst3', headers: { 'x-amz-copy-source': '/objs/none' } });
  t.equal(xmlText(missing.body, 'Code'), 'NoSuchKey');
  t.equal(xmlText((await send(app, { method: 'PUT', url: '/objs/dst3', headers: { 'x-amz-copy-source': 'nobucketkey' } })).body, 'Code'), 'InvalidArgument');
});

t.test('CopyObject cannot read another account\'s private object', async (t) => {
  const { app } = await withBucket(t);
  await send(app, { method: 'PUT', url: '/objs/private', body: 'secret' });
  await send(app, { method: 'PUT', url: '/other-bucket', accessKey: 'test2:tester2', secret: 'testing2' });
  const steal = await send(app, { method: 'PUT', url: '/other-bucket/stolen', headers: { 'x-amz-copy-source': '/objs/private' }, accessKey: 'test2:tester2', secret: 'testing2' });
  t.equal(steal.statusCode, 403);
});

t.test('DeleteObjects reports each key, Quiet reports none, malformed XML is refused', async (t) => {
  const { app } = await withBucket(t);
  for (const k of ['a', 'b']) await send(app, { method: 'PUT', url: `/objs/${k}`, body: k });
  const body = '<Delete><Object><Key>a</Key></Object><Object><Key>b</Key></Object><Object><Key>never</Key></Object></Delete>';
  const r = await send(app, { method: 'POST', url: '/objs?delete', body });
  t.equal(r.statusCode, 200);
  t.equal((r.body.match(/<Deleted>/g) ?? []).length, 3);
  t.equal((await send(app, { method: 'GET', url: '/objs/a' })).statusCode, 404);
  const quiet = await send(app, { method: 'POST', url: '/objs?delete', body: '<Delete><Quiet>true</Quiet><Object><Key>x</Key></Object></Delete>' });
  t.notMatch(quiet.body, /<Deleted>/);
  t.equal(xmlText((await send(app, { method: 'POST', url: '/objs?delete', body: '<Delete><Object>' })).body, 'Code'), 'MalformedXML');
  t.equal(xmlText((await send(app, { method: 'POST', url: '/objs?delete', body: '<Delete></Delete>' })).body, 'Code'), 'MalformedXML');
});

t.test('object ACL public-read opens one object to anonymous readers', async (t) => {
  const { app } = await withBucket(t);
  await send(app, { method: 'PUT', url: '/objs/open', body: 'open', headers: { 'x-amz-acl': 'public-read' } });
  await send(app, { method: 'PUT', url: '/objs/closed', body: 'closed' });
  t.equal((await app.inject({ method: 'GET', url: '/objs/open' })).body, 'open');
  t.equal((await app.inject({ method: 'GET', url: '/objs/closed' })).statusCode, 403);
  t.equal((await app.inject({ method: 'GET', url: '/objs' })).statusCode, 403, 'bucket listing stays private');
  t.match((await send(app, { method: 'GET', url: '/objs/open?acl' })).body, /AllUsers/);
  await send(app, { method: 'PUT', url: '/objs/closed?acl', headers: { 'x-amz-acl': 'public-read' } });
  t.equal((await app.inject({ method: 'GET', url: '/objs/closed' })).body, 'closed');
  t.equal((await send(app, { method: 'GET', url: '/objs/closed' })).body, 'closed', 'content unchanged by the ACL change');
  t.equal(xmlText((await send(app, { method: 'PUT', url: '/objs/x', body: 'x', headers: { 'x-amz-acl': 'everyone' } })).body, 'Code'), 'InvalidArgument');
});

t.test('virtual-hosted-style addressing reaches the same objects', async (t) => {
  const { app } = await withBucket(t);
  const put = await send(app, { method: 'PUT', url: '/vh.txt', body: 'vhost', host: 'objs.s3.localhost' });
  t.equal(put.statusCode, 200, put.body);
  t.equal((await send(app, { method: 'GET', url: '/objs/vh.txt' })).body, 'vhost');
  const list = await send(app, { method: 'GET', url: '/?list-type=2', host: 'objs.s3.localhost' });
  t.match(list.body, /<Key>vh.txt<\/Key>/);
});
