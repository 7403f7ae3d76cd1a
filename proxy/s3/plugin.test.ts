import t from 'tap';
import { ManualClock } from '../../common/index.js';
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
