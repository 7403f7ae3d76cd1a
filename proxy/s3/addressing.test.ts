import t from 'tap';
import { codeOf } from './s3-test-app.js';
import { resolveAddress, validateBucketName } from './addressing.js';
import { S3Error } from './errors.js';

t.test('resolveAddress() reads path-style bucket and key, decoding the key', async (t) => {
  t.same(resolveAddress('/b/dir/a%20b.txt?acl', 'localhost:8080', []), { bucket: 'b', key: 'dir/a b.txt', rawPath: '/b/dir/a%20b.txt', rawQuery: 'acl' });
  t.same(resolveAddress('/', 'localhost', []), { bucket: undefined, key: undefined, rawPath: '/', rawQuery: '' });
  t.same(resolveAddress('/b/', 'localhost', []).key, undefined);
  t.same(resolveAddress('/b', 'localhost', []).bucket, 'b');
});

t.test('resolveAddress() reads virtual-hosted-style buckets from the Host header', async (t) => {
  const a = resolveAddress('/k/x', 'photos.s3.localhost:9000', ['s3.localhost']);
  t.equal(a.bucket, 'photos');
  t.equal(a.key, 'k/x');
  t.equal(resolveAddress('/', 'photos.s3.localhost', ['s3.localhost']).key, undefined);
  t.equal(resolveAddress('/b/k', 's3.localhost', ['s3.localhost']).bucket, 'b', 'the bare domain is path-style');
});

t.test('resolveAddress() rejects bad escapes and over-long keys', async (t) => {
  t.throws(() => resolveAddress('/b/%E0%A4%A', 'h', []), S3Error);
  t.equal(codeOf(() => resolveAddress(`/b/${'k'.repeat(1025)}`, 'h', [])), 'KeyTooLongError');
});

t.test('validateBucketName() applies the DNS naming rules', async (t) => {
  for (const ok of ['abc', 'my.bucket-1', 'a'.repeat(63)]) t.doesNotThrow(() => validateBucketName(ok), ok);
  for (const bad of ['ab', 'Upper', 'a_b', '-ab', 'ab-', 'a..b', '192.168.1.1', 'a'.repeat(64), 'a+segments']) {
    t.equal(codeOf(() => validateBucketName(bad)), 'InvalidBucketName', bad);
  }
});
