import t from 'tap';
import { createHash } from 'node:crypto';
import { connect, type AddressInfo } from 'node:net';
import { ManualClock } from '../../common/index.js';
import { chunkStringToSign, sign, signingKey } from './sigv4.js';
import { amzDateOf, s3TestApp, send, signRequest, xmlText } from './s3-test-app.js';

t.test('errors are S3 XML whose RequestId is the x-amz-request-id header', async (t) => {
  const { app } = await s3TestApp();
  t.teardown(() => app.close());
  const r = await send(app, { method: 'GET', url: '/nobucket?list-type=2' });
  t.equal(r.statusCode, 404);
  t.match(r.headers['content-type'], /application\/xml/);
  t.equal(xmlText(r.body, 'Code'), 'NoSuchBucket');
  t.equal(xmlText(r.body, 'Resource'), '/nobucket');
  t.ok(r.headers['x-amz-request-id']);
  t.equal(xmlText(r.body, 'RequestId'), r.headers['x-amz-request-id']);
});

t.test('bad signatures, unknown keys and anonymous writes never pass', async (t) => {
  const { app, cluster } = await s3TestApp();
  t.teardown(() => app.close());
  await send(app, { method: 'PUT', url: '/secure' });
  const wrongSecret = await send(app, { method: 'PUT', url: '/secure/k', body: 'x', secret: 'wrong' });
  t.equal(wrongSecret.statusCode, 403);
  t.equal(xmlText(wrongSecret.body, 'Code'), 'SignatureDoesNotMatch');
  const unknown = await send(app, { method: 'GET', url: '/secure', accessKey: 'nobody:none' });
  t.equal(xmlText(unknown.body, 'Code'), 'InvalidAccessKeyId');
  const signed = signRequest({ method: 'PUT', url: '/secure/k', body: 'x' });
  const tampered = await app.inject({ ...signed, url: '/secure/other' });
  t.equal(xmlText(tampered.body, 'Code'), 'SignatureDoesNotMatch');
  const anon = await app.inject({ method: 'PUT', url: '/secure/k', payload: 'x' });
  t.equal(anon.statusCode, 403);
  t.equal(xmlText(anon.body, 'Code'), 'AccessDenied');
  const anonList = await app.inject({ method: 'GET', url: '/secure' });
  t.equal(anonList.statusCode, 403);
  await t.rejects(cluster.headObject({ account: 'AUTH_test', container: 'secure', object: 'k' }), { code: 'NOT_FOUND' });
});

t.test('a request signed 20 minutes off the server clock gets RequestTimeTooSkewed', async (t) => {
  const { app } = await s3TestApp();
  t.teardown(() => app.close());
  const r = await send(app, { method: 'GET', url: '/', nowMs: Date.now() - 20 * 60 * 1000 });
  t.equal(r.statusCode, 403);
  t.equal(xmlText(r.body, 'Code'), 'RequestTimeTooSkewed');
  t.ok(xmlText(r.body, 'ServerTime'));
});

t.test('presigned URLs work until X-Amz-Expires and then get AccessDenied', async (t) => {
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
  const { app } = await s3TestApp({ clock });
  t.teardown(() => app.close());
  await send(app, { method: 'PUT', url: '/pre', nowMs: clock.nowMs() });
  await send(app, { method: 'PUT', url: '/pre/obj', body: 'presigned body', nowMs: clock.nowMs() });
  const url = presign(clock.nowMs(), '/pre/obj', 60);
  const ok = await app.inject({ method: 'GET', url, headers: { host: 'localhost' } });
  t.equal(ok.statusCode, 200, ok.body);
  t.equal(ok.body, 'presigned body');
  clock.advance(61_000);
  const expired = await app.inject({ method: 'GET', url, headers: { host: 'localhost' } });
  t.equal(expired.statusCode, 403);
  t.equal(xmlText(expired.body, 'Code'), 'AccessDenied');
  t.equal(xmlText(expired.body, 'Message'), 'Request has expired');
  const otherHost = await app.inject({ method: 'GET', url: presign(clock.nowMs(), '/pre/obj', 60), headers: { host: 'evil' } });
  t.equal(xmlText(otherHost.body, 'Code'), 'SignatureDoesNotMatch');
});

/** A presigned GET URL made with the real algorithm (canonical request with UNSIGNED-PAYLOAD). */
function presign(nowMs: number, path: string, expires: number): string {
  const amzDate = amzDateOf(nowMs);
  const params = new URLSearchParams({
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256', 'X-Amz-Credential': `test:tester/${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request`,
    'X-Amz-Date': amzDate, 'X-Amz-Expires': String(expires), 'X-Amz-SignedHeaders': 'host',
  });
  const url = `${path}?${params.toString().replace(/\+/g, '%20')}`;
  const signed = signRequest({ method: 'GET', url, nowMs, payloadHash: 'UNSIGNED-PAYLOAD', headers: {}, signOnly: ['host'] });
  return `${url}&X-Amz-Signature=${/Signature=([0-9a-f]+)/.exec(signed.headers.authorization!)![1]}`;
}

t.test('unsupported methods and CORS preflights get S3 errors', async (t) => {
  const { app } = await s3TestApp();
  t.teardown(() => app.close());
  await send(app, { method: 'PUT', url: '/meth' });
  t.equal(xmlText((await send(app, { method: 'POST', url: '/meth/k' })).body, 'Code'), 'MethodNotAllowed');
  t.equal((await app.inject({ method: 'OPTIONS', url: '/meth/k' })).statusCode, 403);
  t.equal(xmlText((await send(app, { method: 'PUT', url: '/' })).body, 'Code'), 'MethodNotAllowed');
});

t.test('a signed XML document must match its x-amz-content-sha256', async (t) => {
  const { app } = await s3TestApp();
  t.teardown(() => app.close());
  await send(app, { method: 'PUT', url: '/docs' });
  await send(app, { method: 'PUT', url: '/docs/keep', body: 'x' });
  const signedFor = createHash('sha256').update('<Delete><Object><Key>other</Key></Object></Delete>').digest('hex');
  const r = await send(app, { method: 'POST', url: '/docs?delete', body: '<Delete><Object><Key>keep</Key></Object></Delete>', payloadHash: signedFor });
  t.equal(xmlText(r.body, 'Code'), 'XAmzContentSHA256Mismatch');
  t.equal((await send(app, { method: 'GET', url: '/docs/keep' })).statusCode, 200, 'nothing deleted');
});

t.test('signed aws-chunked uploads are verified chunk by chunk', async (t) => {
  const { app } = await s3TestApp();
  t.teardown(() => app.close());
  await send(app, { method: 'PUT', url: '/chunks' });
  const nowMs = Date.now();
  const chunks = [Buffer.alloc(70_000, 'x'), Buffer.alloc(10, 'y')];
  const ok = await chunkedPut(app, nowMs, chunks, false);
  t.equal(ok.statusCode, 200, ok.body);
  const got = await send(app, { method: 'GET', url: '/chunks/obj' });
  t.equal(got.rawPayload.length, 70010);
  const bad = await chunkedPut(app, nowMs, chunks, true, '/chunks/bad');
  t.equal(xmlText(bad.body, 'Code'), 'SignatureDoesNotMatch');
  t.equal((await send(app, { method: 'HEAD', url: '/chunks/bad' })).statusCode, 404);
});

/** Sends a STREAMING-AWS4-HMAC-SHA256-PAYLOAD upload, optionally altering the last data chunk. */
async function chunkedPut(app: Awaited<ReturnType<typeof s3TestApp>>['app'], nowMs: number, chunks: Buffer[], tamper: boolean, url = '/chunks/obj') {
  const decoded = chunks.reduce((n, c) => n + c.length, 0);
  const sizes = [...chunks.map((c) => c.length), 0];
  const sigLen = 64;
  const encodedLength = sizes.reduce((n, s) => n + s.toString(16).length + ';chunk-signature='.length + sigLen + 2 + s + 2, 0);
  const headers = { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(decoded), 'content-length': String(encodedLength) };
  const signed = signRequest({ method: 'PUT', url, nowMs, payloadHash: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', headers, body: Buffer.alloc(encodedLength) });
  const seed = /Signature=([0-9a-f]+)/.exec(signed.headers.authorization!)![1]!;
  const amzDate = signed.headers['x-amz-date']!;
  const credential = { accessKeyId: 'test:tester', date: amzDate.slice(0, 8), region: 'us-east-1', service: 's3' };
  const key = signingKey('testing', credential);
  let prev = seed;
  const parts: Buffer[] = [];
  for (const data of [...chunks, Buffer.alloc(0)]) {
    const sig = sign(key, chunkStringToSign(amzDate, credential, prev, createHash('sha256').update(data).digest('hex')));
    prev = sig;
    const sent = tamper && data === chunks[chunks.length - 1] ? Buffer.alloc(data.length, 'z') : data;
    parts.push(Buffer.from(`${data.length.toString(16)};chunk-signature=${sig}\r\n`), sent, Buffer.from('\r\n'));
  }
  return app.inject({ ...signed, payload: Buffer.concat(parts) });
}

t.test('a PUT whose client disconnects mid-body leaves no object', async (t) => {
  const { app, cluster } = await s3TestApp();
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => app.close());
  await send(app, { method: 'PUT', url: '/cut' });
  const signed = signRequest({ method: 'PUT', url: '/cut/obj', payloadHash: 'UNSIGNED-PAYLOAD', body: Buffer.alloc(100_000, 1) });
  const port = (app.server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      const head = Object.entries(signed.headers).map(([k, v]) => `${k}: ${v}`).join('\r\n');
      socket.write(`PUT /cut/obj HTTP/1.1\r\n${head}\r\n\r\n`);
      socket.write(Buffer.alloc(50_000, 1), () => setTimeout(() => socket.destroy(), 50));
    });
    socket.on('close', () => resolve());
    socket.on('error', () => undefined);
  });
  // The server notices the reset asynchronously; poll with a deadline rather than sleeping.
  const deadline = Date.now() + 1000;
  let stored = false;
  while (Date.now() < deadline) {
    stored = await cluster.headObject({ account: 'AUTH_test', container: 'cut', object: 'obj' }).then(() => true, () => false);
    if (stored) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  t.notOk(stored, 'no partial object');
  const r = await send(app, { method: 'PUT', url: '/cut/obj2', body: 'short', headers: {} });
  t.equal(r.statusCode, 200);
});
