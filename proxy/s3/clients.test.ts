/**
 * Unmodified S3 clients against the proxy app listening on 127.0.0.1: awscli v2 (/usr/bin/aws),
 * boto3 (/usr/bin/python3) including presigned URLs fetched with a plain HTTP client, and the
 * AWS SDK for JavaScript v3 with its default checksum behaviour (CRC32 trailers, aws-chunked).
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AddressInfo } from 'node:net';
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteObjectsCommand,
  GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { s3TestApp } from './s3-test-app.js';

const MiB = 1024 * 1024;
const AWS = '/usr/bin/aws';
const PYTHON = '/usr/bin/python3';

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: timeoutMs, maxBuffer: 16 * MiB }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Writes `size` pseudo-random bytes without holding them in memory. */
async function writeRandomFile(path: string, size: number): Promise<void> {
  async function* gen(): AsyncGenerator<Buffer> {
    for (let left = size; left > 0; left -= MiB) yield randomBytes(Math.min(MiB, left));
  }
  await pipeline(Readable.from(gen()), createWriteStream(path));
}

t.test('real S3 clients', async (t) => {
  const { app } = await s3TestApp();
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => app.close());
  const endpoint = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const dir = await mkdtemp(join(tmpdir(), 'strata-s3-clients-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const env: NodeJS.ProcessEnv = {
    PATH: '/usr/bin:/bin', HOME: dir, AWS_ACCESS_KEY_ID: 'test:tester', AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
    AWS_EC2_METADATA_DISABLED: 'true', AWS_PAGER: '',
  };
  const aws = async (...args: string[]) => {
    const started = Date.now();
    const r = await run(AWS, ['--endpoint-url', endpoint, '--region', 'us-east-1', ...args], env);
    t.comment(`aws ${args.slice(0, 2).join(' ')}: ${Date.now() - started} ms`);
    return r;
  };

  await t.test('awscli: mb, cp of 100 MiB in parts, download, sync, s3api calls, rm, rb', { skip: !existsSync(AWS) && 'no /usr/bin/aws' }, async (t) => {
    t.equal((await aws('s3', 'mb', 's3://cli-bucket')).code, 0);
    const big = join(dir, 'big.bin');
    await writeRandomFile(big, 100 * MiB);
    const up = await aws('s3', 'cp', big, 's3://cli-bucket/big.bin', '--only-show-errors');
    t.equal(up.code, 0, up.stderr);
    const head = JSON.parse((await aws('s3api', 'head-object', '--bucket', 'cli-bucket', '--key', 'big.bin')).stdout) as { ContentLength: number; ETag: string };
    t.equal(head.ContentLength, 100 * MiB);
    t.match(head.ETag, /^"[0-9a-f]{32}-\d+"$/, 'uploaded in parts');
    const back = join(dir, 'big.back');
    t.equal((await aws('s3', 'cp', 's3://cli-bucket/big.bin', back, '--only-show-errors')).code, 0);
    t.equal(await sha256File(back), await sha256File(big));
    await rm(back);

    const src = join(dir, 'tree');
    await mkdir(join(src, 'sub'), { recursive: true });
    for (const name of ['a.txt', 'b.txt', 'sub/c.txt']) await writeFile(join(src, name), `content of ${name}`);
    const sync1 = await aws('s3', 'sync', src, 's3://cli-bucket/tree/');
    t.equal(sync1.code, 0, sync1.stderr);
    t.equal((sync1.stdout.match(/upload:/g) ?? []).length, 3);
    const sync2 = await aws('s3', 'sync', src, 's3://cli-bucket/tree/');
    t.equal((sync2.stdout.match(/upload:/g) ?? []).length, 0, 'a second sync uploads nothing');
    const ls = await aws('s3', 'ls', 's3://cli-bucket/', '--recursive');
    t.match(ls.stdout, /104857600 big\.bin/);
    t.match(ls.stdout, /tree\/sub\/c\.txt/);

    const put = await aws('s3api', 'put-object', '--bucket', 'cli-bucket', '--key', 'api.txt', '--body', join(src, 'a.txt'), '--metadata', 'color=red', '--content-type', 'text/plain');
    t.equal(put.code, 0, put.stderr);
    const meta = JSON.parse((await aws('s3api', 'head-object', '--bucket', 'cli-bucket', '--key', 'api.txt')).stdout) as { Metadata: Record<string, string>; ContentType: string };
    t.same(meta.Metadata, { color: 'red' });
    t.equal(meta.ContentType, 'text/plain');
    const list = JSON.parse((await aws('s3api', 'list-objects-v2', '--bucket', 'cli-bucket', '--prefix', 'tree/', '--delimiter', '/')).stdout) as { Contents: unknown[]; CommonPrefixes: Array<{ Prefix: string }> };
    t.equal(list.Contents.length, 2);
    t.same(list.CommonPrefixes, [{ Prefix: 'tree/sub/' }]);
    const missing = await aws('s3api', 'get-object', '--bucket', 'cli-bucket', '--key', 'nope', join(dir, 'nope'));
    t.not(missing.code, 0);
    t.match(missing.stderr, /NoSuchKey/);
    t.equal((await aws('s3', 'rm', '--recursive', 's3://cli-bucket/', '--only-show-errors')).code, 0);
    t.equal((await aws('s3', 'rb', 's3://cli-bucket')).code, 0);
    const badKey = await run(AWS, ['--endpoint-url', endpoint, 's3', 'ls'], { ...env, AWS_SECRET_ACCESS_KEY: 'wrong' });
    t.match(badKey.stderr, /SignatureDoesNotMatch/);
  });

  await t.test('boto3: objects, multipart, presigned GET and PUT with a plain HTTP client', { skip: !existsSync(PYTHON) && 'no /usr/bin/python3' }, async (t) => {
    const script = join(dir, 'boto_check.py');
    await writeFile(script, BOTO_SCRIPT);
    for (const crt of ['true', 'false']) {
      const r = await run(PYTHON, [script, endpoint, `boto-${crt === 'true' ? 'py' : 'crt'}`], { ...env, BOTO_DISABLE_CRT: crt });
      t.equal(r.code, 0, r.stderr);
      t.match(r.stdout, /ALL OK/, `BOTO_DISABLE_CRT=${crt}`);
    }
  });

  await t.test('AWS SDK for JavaScript v3 with default checksums', async (t) => {
    const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'test:tester', secretAccessKey: 'testing' } });
    t.teardown(() => s3.destroy());
    await s3.send(new CreateBucketCommand({ Bucket: 'sdk-bucket' }));
    const put = await s3.send(new PutObjectCommand({ Bucket: 'sdk-bucket', Key: 'a b/ü.txt', Body: 'hello sdk' }));
    t.ok(put.ETag);
    t.ok(put.ChecksumCRC32, 'default CRC32 checksum echoed');
    const c64 = await s3.send(new PutObjectCommand({ Bucket: 'sdk-bucket', Key: 'c64', Body: Buffer.alloc(200_000, 7), ChecksumAlgorithm: 'CRC64NVME' }));
    t.ok(c64.ChecksumCRC64NVME);
    const streamed = await s3.send(new PutObjectCommand({ Bucket: 'sdk-bucket', Key: 'stream', Body: Readable.from([Buffer.alloc(300_000, 3)]), ContentLength: 300_000 }));
    t.ok(streamed.ETag);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'sdk-bucket', Key: 'a b/ü.txt', ChecksumMode: 'ENABLED' }));
    t.equal(await got.Body!.transformToString(), 'hello sdk');
    const mp = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'sdk-bucket', Key: 'mp' }));
    const parts = [];
    for (const [n, size] of [[1, 5 * MiB], [2, 1234]] as const) {
      const p = await s3.send(new UploadPartCommand({ Bucket: 'sdk-bucket', Key: 'mp', UploadId: mp.UploadId, PartNumber: n, Body: Buffer.alloc(size, n) }));
      parts.push({ PartNumber: n, ETag: p.ETag });
    }
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'sdk-bucket', Key: 'mp', UploadId: mp.UploadId, MultipartUpload: { Parts: parts } }));
    t.match(done.ETag, /-2"$/);
    const list = await s3.send(new ListObjectsV2Command({ Bucket: 'sdk-bucket' }));
    t.same(list.Contents?.map((o) => [o.Key, o.Size]), [['a b/ü.txt', 9], ['c64', 200_000], ['mp', 5 * MiB + 1234], ['stream', 300_000]]);
    const del = await s3.send(new DeleteObjectsCommand({ Bucket: 'sdk-bucket', Delete: { Objects: list.Contents!.map((o) => ({ Key: o.Key })) } }));
    t.equal(del.Deleted?.length, 4);
    const bad = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'test:tester', secretAccessKey: 'nope' } });
    t.teardown(() => bad.destroy());
    await t.rejects(bad.send(new PutObjectCommand({ Bucket: 'sdk-bucket', Key: 'x', Body: 'x' })), { name: 'SignatureDoesNotMatch' });
  });

  await t.test('objects written through S3 are readable through Swift and the other way round', async (t) => {
    const auth = await fetch(`${endpoint}/auth/v1.0`, { headers: { 'x-auth-user': 'test:tester', 'x-auth-key': 'testing' } });
    t.equal(auth.status, 200, 'tempauth token');
    const token = auth.headers.get('x-auth-token')!;
    const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'test:tester', secretAccessKey: 'testing' } });
    t.teardown(() => s3.destroy());
    await s3.send(new CreateBucketCommand({ Bucket: 'both-apis' }));
    await s3.send(new PutObjectCommand({ Bucket: 'both-apis', Key: 'from-s3', Body: 'written by s3', ContentType: 'text/plain' }));
    const viaSwift = await fetch(`${endpoint}/v1/AUTH_test/both-apis/from-s3`, { headers: { 'x-auth-token': token } });
    t.equal(await viaSwift.text(), 'written by s3');
    const swiftPut = await fetch(`${endpoint}/v1/AUTH_test/both-apis/from-swift`, { method: 'PUT', body: 'written by swift', headers: { 'x-auth-token': token } });
    t.equal(swiftPut.status, 201);
    const viaS3 = await s3.send(new GetObjectCommand({ Bucket: 'both-apis', Key: 'from-swift' }));
    t.equal(await viaS3.Body!.transformToString(), 'written by swift');
  });
});

const BOTO_SCRIPT = String.raw`
import sys, urllib.request, urllib.error, hashlib, io
import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
endpoint, bucket = sys.argv[1], sys.argv[2]
s3 = boto3.client('s3', endpoint_url=endpoint, region_name='us-east-1', config=Config(signature_version='s3v4', s3={'addressing_style': 'path'}))
s3.create_bucket(Bucket=bucket)
s3.put_object(Bucket=bucket, Key='dir/ü n+i.txt', Body=b'boto body', Metadata={'k': 'v'})
o = s3.get_object(Bucket=bucket, Key='dir/ü n+i.txt', Range='bytes=1-3')
assert o['Body'].read() == b'oto' and o['ContentRange'] == 'bytes 1-3/9', o
data = bytes(range(256)) * (6 * 1024 * 1024 // 256 * 2)
s3.upload_fileobj(io.BytesIO(data), bucket, 'multi', Config=TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024))
head = s3.head_object(Bucket=bucket, Key='multi')
assert head['ContentLength'] == len(data) and head['ETag'].endswith('-3"'), head
assert hashlib.md5(s3.get_object(Bucket=bucket, Key='multi')['Body'].read()).digest() == hashlib.md5(data).digest()
url = s3.generate_presigned_url('get_object', Params={'Bucket': bucket, 'Key': 'dir/ü n+i.txt'}, ExpiresIn=60)
assert urllib.request.urlopen(url).read() == b'boto body'
put_url = s3.generate_presigned_url('put_object', Params={'Bucket': bucket, 'Key': 'presigned'}, ExpiresIn=60)
assert urllib.request.urlopen(urllib.request.Request(put_url, data=b'via presigned put', method='PUT')).status == 200
assert s3.get_object(Bucket=bucket, Key='presigned')['Body'].read() == b'via presigned put'
try:
    urllib.request.urlopen(url.replace('X-Amz-Signature=', 'X-Amz-Signature=0'))
    raise SystemExit('tampered presigned URL accepted')
except urllib.error.HTTPError as e:
    assert e.code == 403 and b'SignatureDoesNotMatch' in e.read()
versions = s3.list_object_versions(Bucket=bucket)['Versions']
assert sorted(v['Key'] for v in versions) == ['dir/ü n+i.txt', 'multi', 'presigned'] and all(v['VersionId'] == 'null' for v in versions)
assert s3.get_bucket_location(Bucket=bucket)['LocationConstraint'] is None
res = s3.delete_objects(Bucket=bucket, Delete={'Objects': [{'Key': v['Key']} for v in versions]})
assert len(res['Deleted']) == 3, res
s3.delete_bucket(Bucket=bucket)
print('ALL OK')
`;
