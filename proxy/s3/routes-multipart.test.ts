import t from 'tap';
import { createHash } from 'node:crypto';
import { s3TestApp, send, xmlText, type TestApp } from './s3-test-app.js';

const MiB = 1024 * 1024;

async function setup(t: { teardown(fn: () => unknown): void }): Promise<TestApp> {
  const ta = await s3TestApp();
  t.teardown(() => ta.app.close());
  await send(ta.app, { method: 'PUT', url: '/mpu' });
  return ta;
}

async function create(app: TestApp['app'], key: string, headers: Record<string, string> = {}): Promise<string> {
  const r = await send(app, { method: 'POST', url: `/mpu/${key}?uploads`, headers });
  return xmlText(r.body, 'UploadId')!;
}

function completeXml(parts: Array<[number, string]>): string {
  return `<CompleteMultipartUpload>${parts.map(([n, e]) => `<Part><PartNumber>${n}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
}

t.test('multipart upload: parts, ListParts, complete with md5-of-md5s ETag, ranged reads across parts', async (t) => {
  const { app } = await setup(t);
  const id = await create(app, 'big', { 'content-type': 'video/mp4', 'x-amz-meta-k': 'v' });
  const p1 = Buffer.alloc(5 * MiB, 1);
  const p2 = Buffer.alloc(1000, 2);
  const e1 = (await send(app, { method: 'PUT', url: `/mpu/big?partNumber=1&uploadId=${id}`, body: p1 })).headers.etag as string;
  const e2 = (await send(app, { method: 'PUT', url: `/mpu/big?partNumber=2&uploadId=${id}`, body: p2 })).headers.etag as string;
  const parts = await send(app, { method: 'GET', url: `/mpu/big?uploadId=${id}` });
  t.equal((parts.body.match(/<Part>/g) ?? []).length, 2);
  const uploads = await send(app, { method: 'GET', url: '/mpu?uploads' });
  t.equal(xmlText(uploads.body, 'UploadId'), id);
  t.notMatch((await send(app, { method: 'GET', url: '/mpu?list-type=2' })).body, /<Key>/, 'incomplete uploads are not listed');
  const done = await send(app, { method: 'POST', url: `/mpu/big?uploadId=${id}`, body: completeXml([[1, e1], [2, e2]]) });
  t.equal(done.statusCode, 200, done.body);
  const md5 = (b: Buffer) => createHash('md5').update(b).digest();
  const expected = `${createHash('md5').update(Buffer.concat([md5(p1), md5(p2)])).digest('hex')}-2`;
  t.equal(xmlText(done.body, 'ETag'), `&quot;${expected}&quot;`);
  const head = await send(app, { method: 'HEAD', url: '/mpu/big' });
  t.equal(head.headers['content-length'], String(5 * MiB + 1000));
  t.equal(head.headers.etag, `"${expected}"`);
  t.equal(head.headers['content-type'], 'video/mp4');
  t.equal(head.headers['x-amz-meta-k'], 'v');
  const across = await send(app, { method: 'GET', url: '/mpu/big', headers: { range: `bytes=${5 * MiB - 2}-${5 * MiB + 1}` } });
  t.equal(across.statusCode, 206);
  t.same([...across.rawPayload], [1, 1, 2, 2]);
  const whole = await send(app, { method: 'GET', url: '/mpu/big' });
  t.equal(whole.rawPayload.length, 5 * MiB + 1000);
  const list = await send(app, { method: 'GET', url: '/mpu?list-type=2' });
  t.equal(xmlText(list.body, 'Size'), String(5 * MiB + 1000), 'listing shows the logical size');
  t.equal(xmlText(list.body, 'ETag'), `&quot;${expected}&quot;`);
  t.notMatch((await send(app, { method: 'GET', url: '/mpu?uploads' })).body, /<Upload>/, 'completed upload gone');
  t.equal((await send(app, { method: 'POST', url: `/mpu/big?uploadId=${id}`, body: completeXml([[1, e1]]) })).statusCode, 404);
  t.equal((await send(app, { method: 'DELETE', url: '/mpu/big' })).statusCode, 204);
  t.equal((await send(app, { method: 'DELETE', url: '/mpu' })).statusCode, 204, 'segments went with the object');
});

t.test('complete rejects small parts, unknown parts, wrong order and malformed XML', async (t) => {
  const { app } = await setup(t);
  const id = await create(app, 'k');
  const e1 = (await send(app, { method: 'PUT', url: `/mpu/k?partNumber=1&uploadId=${id}`, body: 'small' })).headers.etag as string;
  const e2 = (await send(app, { method: 'PUT', url: `/mpu/k?partNumber=2&uploadId=${id}`, body: 'last' })).headers.etag as string;
  const code = async (body: string) => xmlText((await send(app, { method: 'POST', url: `/mpu/k?uploadId=${id}`, body })).body, 'Code');
  t.equal(await code(completeXml([[1, e1], [2, e2]])), 'EntityTooSmall');
  t.equal(await code(completeXml([[2, e2], [1, e1]])), 'InvalidPartOrder');
  t.equal(await code(completeXml([[1, '"00000000000000000000000000000000"']])), 'InvalidPart');
  t.equal(await code(completeXml([[3, e1]])), 'InvalidPart');
  t.equal(await code('<CompleteMultipartUpload><Part>'), 'MalformedXML');
  t.equal(await code('<CompleteMultipartUpload></CompleteMultipartUpload>'), 'MalformedXML');
  t.equal(await code(completeXml([[0, e1]])), 'InvalidArgument');
  // A single small part is fine: the last part may be any size.
  t.equal((await send(app, { method: 'POST', url: `/mpu/k?uploadId=${id}`, body: completeXml([[2, e2]]) })).statusCode, 200);
  t.equal((await send(app, { method: 'GET', url: '/mpu/k' })).body, 'last');
});

t.test('bad part numbers, unknown uploads and abort', async (t) => {
  const { app } = await setup(t);
  const id = await create(app, 'ab');
  for (const n of ['0', '10001', 'x', '-1']) {
    const r = await send(app, { method: 'PUT', url: `/mpu/ab?partNumber=${n}&uploadId=${id}`, body: 'x' });
    t.equal(xmlText(r.body, 'Code'), 'InvalidArgument', n);
  }
  const unknown = await send(app, { method: 'PUT', url: '/mpu/ab?partNumber=1&uploadId=AAAAAAAAAAAAAAAAAAAAAAAA', body: 'x' });
  t.equal(xmlText(unknown.body, 'Code'), 'NoSuchUpload');
  t.equal(xmlText((await send(app, { method: 'GET', url: '/mpu/ab?uploadId=../../x' })).body, 'Code'), 'NoSuchUpload');
  await send(app, { method: 'PUT', url: `/mpu/ab?partNumber=1&uploadId=${id}`, body: 'x' });
  t.equal((await send(app, { method: 'DELETE', url: `/mpu/ab?uploadId=${id}` })).statusCode, 204);
  t.equal((await send(app, { method: 'DELETE', url: `/mpu/ab?uploadId=${id}` })).statusCode, 404);
  const other = await send(app, { method: 'POST', url: '/mpu/x?uploads', accessKey: 'test2:tester2', secret: 'testing2' });
  t.equal(other.statusCode, 403);
  t.equal((await send(app, { method: 'DELETE', url: '/mpu' })).statusCode, 204, 'nothing left behind');
});

t.test('UploadPartCopy copies a byte range of an object into a part', async (t) => {
  const { app } = await setup(t);
  await send(app, { method: 'PUT', url: '/mpu/src', body: '0123456789' });
  const id = await create(app, 'pc');
  const r = await send(app, { method: 'PUT', url: `/mpu/pc?partNumber=1&uploadId=${id}`, headers: { 'x-amz-copy-source': '/mpu/src', 'x-amz-copy-source-range': 'bytes=2-5' } });
  t.equal(r.statusCode, 200, r.body);
  const etag = xmlText(r.body, 'ETag')!.replace(/&quot;/g, '"');
  const bad = await send(app, { method: 'PUT', url: `/mpu/pc?partNumber=2&uploadId=${id}`, headers: { 'x-amz-copy-source': '/mpu/src', 'x-amz-copy-source-range': 'bytes=5-20' } });
  t.equal(xmlText(bad.body, 'Code'), 'InvalidRange');
  await send(app, { method: 'POST', url: `/mpu/pc?uploadId=${id}`, body: completeXml([[1, etag]]) });
  t.equal((await send(app, { method: 'GET', url: '/mpu/pc' })).body, '2345');
});

t.test('overwriting a multipart object with a plain PUT frees its parts', async (t) => {
  const { app, cluster } = await setup(t);
  const id = await create(app, 'ow');
  const e1 = (await send(app, { method: 'PUT', url: `/mpu/ow?partNumber=1&uploadId=${id}`, body: 'only part' })).headers.etag as string;
  await send(app, { method: 'POST', url: `/mpu/ow?uploadId=${id}`, body: completeXml([[1, e1]]) });
  const segments = { account: 'AUTH_test', container: 'mpu+segments' };
  t.equal((await cluster.listContainer(segments, { limit: 10 })).length, 1);
  await send(app, { method: 'PUT', url: '/mpu/ow', body: 'plain now' });
  t.equal((await cluster.listContainer(segments, { limit: 10 })).length, 0);
  t.equal((await send(app, { method: 'GET', url: '/mpu/ow' })).body, 'plain now');
});
