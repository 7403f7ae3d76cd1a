import t from 'tap';
import { s3TestApp, send, xmlText } from './s3-test-app.js';

t.test('CreateBucket: global names, 200 again for the owner, 409 for another account', async (t) => {
  const { app } = await s3TestApp();
  t.teardown(() => app.close());
  t.equal((await send(app, { method: 'PUT', url: '/shared-name' })).statusCode, 200);
  t.equal((await send(app, { method: 'PUT', url: '/shared-name' })).statusCode, 200, 'owner again: us-east-1 answers 200');
  const other = await send(app, { method: 'PUT', url: '/shared-name', accessKey: 'test2:tester2', secret: 'testing2' });
  t.equal(other.statusCode, 409);
  t.equal(xmlText(other.body, 'Code'), 'BucketAlreadyExists');
  const bad = await send(app, { method: 'PUT', url: '/Bad_Name' });
  t.equal(xmlText(bad.body, 'Code'), 'InvalidBucketName');
  const badXml = await send(app, { method: 'PUT', url: '/xml-bucket', body: '<CreateBucketConfiguration><Loc' });
  t.equal(xmlText(badXml.body, 'Code'), 'MalformedXML');
  const withConf = await send(app, { method: 'PUT', url: '/conf-bucket', body: '<CreateBucketConfiguration><LocationConstraint>us-east-1</LocationConstraint></CreateBucketConfiguration>' });
  t.equal(withConf.statusCode, 200);
});

t.test('HeadBucket, DeleteBucket and BucketNotEmpty; a deleted name is free again', async (t) => {
  const { app } = await s3TestApp();
  t.teardown(() => app.close());
  await send(app, { method: 'PUT', url: '/bk1' });
  t.equal((await send(app, { method: 'HEAD', url: '/bk1' })).statusCode, 200);
  t.equal((await send(app, { method: 'HEAD', url: '/nope' })).statusCode, 404);
  await send(app, { method: 'PUT', url: '/bk1/k', body: 'x' });
  const notEmpty = await send(app, { method: 'DELETE', url: '/bk1' });
  t.equal(notEmpty.statusCode, 409);
  t.equal(xmlText(notEmpty.body, 'Code'), 'BucketNotEmpty');
  await send(app, { method: 'DELETE', url: '/bk1/k' });
  t.equal((await send(app, { method: 'DELETE', url: '/bk1' })).statusCode, 204);
  t.equal((await send(app, { method: 'HEAD', url: '/bk1' })).statusCode, 404);
  t.equal(xmlText((await send(app, { method: 'DELETE', url: '/bk1' })).body, 'Code'), 'NoSuchBucket');
  t.equal((await send(app, { method: 'PUT', url: '/bk1', accessKey: 'test2:tester2', secret: 'testing2' })).statusCode, 200);
});

t.test('ListBuckets shows only the account\'s buckets with creation dates', async (t) => {
  const { app } = await s3TestApp();
  t.teardown(() => app.close());
  await send(app, { method: 'PUT', url: '/mine' });
  await send(app, { method: 'PUT', url: '/theirs', accessKey: 'test2:tester2', secret: 'testing2' });
  const r = await send(app, { method: 'GET', url: '/' });
  t.equal(r.statusCode, 200);
  t.match(r.body, /<Name>mine<\/Name><CreationDate>\d{4}-\d\d-\d\dT/);
  t.notMatch(r.body, /theirs/);
  t.equal(xmlText(r.body, 'ID'), 'AUTH_test');
  const anon = await app.inject({ method: 'GET', url: '/' });
  t.equal(anon.statusCode, 403);
});

t.test('configuration probes get harmless answers', async (t) => {
  const { app } = await s3TestApp();
  t.teardown(() => app.close());
  await send(app, { method: 'PUT', url: '/probe' });
  const get = async (q: string) => send(app, { method: 'GET', url: `/probe?${q}` });
  t.match((await get('location')).body, /<LocationConstraint[^>]*><\/LocationConstraint>|<LocationConstraint[^>]*\/>/);
  t.match((await get('versioning')).body, /<VersioningConfiguration/);
  t.match((await get('accelerate')).body, /<AccelerateConfiguration/);
  t.match((await get('acl')).body, /<Permission>FULL_CONTROL<\/Permission>/);
  for (const [q, code] of [['cors', 'NoSuchCORSConfiguration'], ['lifecycle', 'NoSuchLifecycleConfiguration'], ['policy', 'NoSuchBucketPolicy'], ['tagging', 'NoSuchTagSet'], ['website', 'NoSuchWebsiteConfiguration']]) {
    const r = await get(q!);
    t.equal(r.statusCode, 404, q);
    t.equal(xmlText(r.body, 'Code'), code);
  }
  const suspend = await send(app, { method: 'PUT', url: '/probe?versioning', body: '<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>' });
  t.equal(suspend.statusCode, 200);
  const enable = await send(app, { method: 'PUT', url: '/probe?versioning', body: '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>' });
  t.equal(enable.statusCode, 501);
  t.equal((await send(app, { method: 'DELETE', url: '/probe?cors' })).statusCode, 204);
  const other = await send(app, { method: 'GET', url: '/probe?location', accessKey: 'test2:tester2', secret: 'testing2' });
  t.equal(other.statusCode, 403);
});

t.test('public-read bucket ACL lets anonymous and other accounts list and read, not write', async (t) => {
  const { app } = await s3TestApp();
  t.teardown(() => app.close());
  await send(app, { method: 'PUT', url: '/pub', headers: { 'x-amz-acl': 'public-read' } });
  await send(app, { method: 'PUT', url: '/pub/obj', body: 'public data' });
  await send(app, { method: 'PUT', url: '/priv' });
  await send(app, { method: 'PUT', url: '/priv/obj', body: 'secret' });
  t.equal((await app.inject({ method: 'GET', url: '/pub/obj' })).body, 'public data');
  t.equal((await app.inject({ method: 'GET', url: '/pub' })).statusCode, 200);
  t.equal((await app.inject({ method: 'GET', url: '/priv/obj' })).statusCode, 403);
  t.equal((await app.inject({ method: 'PUT', url: '/pub/new', payload: 'x' })).statusCode, 403);
  const otherWrite = await send(app, { method: 'PUT', url: '/pub/new', body: 'x', accessKey: 'test2:tester2', secret: 'testing2' });
  t.equal(otherWrite.statusCode, 403);
  t.match((await send(app, { method: 'GET', url: '/pub?acl' })).body, /AllUsers/);
  t.equal((await send(app, { method: 'PUT', url: '/pub?acl', headers: { 'x-amz-acl': 'private' } })).statusCode, 200);
  t.equal((await app.inject({ method: 'GET', url: '/pub/obj' })).statusCode, 403);
});
