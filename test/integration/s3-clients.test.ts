/**
 * Acceptance: unmodified S3 clients against the real all-in-one (proxy and storage nodes as
 * separate processes, data on disk): awscli (multipart upload, download, listing, head, delete)
 * and the AWS SDK for JavaScript v3 with its default checksums (CRC32 trailers, aws-chunked).
 * Also checks that what S3 wrote is what Swift reads, including a multipart upload's size and
 * content type in Swift listings. Needs `npm run build` (runs dist/).
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import { startAllInOne, STRATA_ENTRY } from './all-in-one.js';

const MiB = 1024 * 1024;
const AWS = '/usr/bin/aws';
const BIG_SIZE = 12 * MiB + 4321;

interface RunResult { code: number; stdout: string; stderr: string }

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: timeoutMs, maxBuffer: 4 * MiB }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

async function sha256Of(body: AsyncIterable<unknown>): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of body) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Writes `size` random bytes a MiB at a time (never the whole file in memory). */
async function writeRandomFile(path: string, size: number): Promise<void> {
  async function* gen(): AsyncGenerator<Buffer> {
    for (let left = size; left > 0; left -= MiB) yield randomBytes(Math.min(MiB, left));
  }
  await pipeline(Readable.from(gen()), createWriteStream(path));
}

const skip = !existsSync(STRATA_ENTRY) ? 'run `npm run build` first (no dist/tools/strata.js)' : false;

t.test('real S3 clients against the all-in-one', { skip }, async (t) => {
  const dir = t.testdir({ work: {} });
  const aio = await startAllInOne(t);
  const endpoint = aio.proxyUrl;
  const work = join(dir, 'work');
  const auth = await fetch(aio.authUrl, { headers: { 'x-auth-user': 'test:tester', 'x-auth-key': 'testing' } });
  t.equal(auth.status, 200, 'Swift token from /auth/v1.0');
  const token = auth.headers.get('x-auth-token') ?? '';
  const swift = (rel: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${endpoint}/v1/AUTH_test/${rel}`, { ...init, headers: { 'x-auth-token': token, ...init.headers } });

  await t.test('awscli: mb, multipart cp up and back, ls, head-object, rm, rb', { skip: !existsSync(AWS) && 'no /usr/bin/aws' }, async (t) => {
    // A private HOME and no config files, so the developer's own AWS profile cannot interfere.
    const env: NodeJS.ProcessEnv = {
      PATH: '/usr/bin:/bin', HOME: work, AWS_ACCESS_KEY_ID: 'test:tester', AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: join(work, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(work, 'none'),
      AWS_EC2_METADATA_DISABLED: 'true', AWS_PAGER: '',
    };
    const aws = (...args: string[]): Promise<RunResult> => run(AWS, ['--endpoint-url', endpoint, ...args], env);
    const big = join(work, 'big.bin');
    const back = join(work, 'big.back');
    await writeRandomFile(big, BIG_SIZE);
    const bigSha = await sha256Of(createReadStream(big));

    const mb = await aws('s3', 'mb', 's3://cli-bucket');
    t.equal(mb.code, 0, mb.stderr);
    // Over awscli's 8 MiB threshold: uploaded as a multipart upload of two parts.
    const up = await aws('s3', 'cp', big, 's3://cli-bucket/dir/big.bin', '--only-show-errors');
    t.equal(up.code, 0, up.stderr);
    const down = await aws('s3', 'cp', 's3://cli-bucket/dir/big.bin', back, '--only-show-errors');
    t.equal(down.code, 0, down.stderr);
    t.equal(await sha256Of(createReadStream(back)), bigSha, 'downloaded file equals the upload');
    const ls = await aws('s3', 'ls', 's3://cli-bucket/', '--recursive');
    t.match(ls.stdout, new RegExp(`\\s${BIG_SIZE} dir/big\\.bin\\n`), 'ls shows the whole size');
    const headRun = await aws('s3api', 'head-object', '--bucket', 'cli-bucket', '--key', 'dir/big.bin');
    t.equal(headRun.code, 0, headRun.stderr);
    const head = JSON.parse(headRun.stdout) as { ContentLength: number; ETag: string };
    t.equal(head.ContentLength, BIG_SIZE);
    t.match(head.ETag, /^"[0-9a-f]{32}-2"$/, 'a multipart ETag of two parts');

    // The same object through Swift: an SLO whose listing row has the real size, a clean type.
    const listed = await swift('cli-bucket?format=json');
    const rows = await listed.json() as Array<{ name: string; bytes: number; content_type: string }>;
    const row = rows.find((r) => r.name === 'dir/big.bin');
    t.equal(row?.bytes, BIG_SIZE, 'Swift listing bytes is the multipart object\'s size');
    t.notMatch(row?.content_type ?? '', /swift_bytes|s3_etag/);
    const viaSwift = await swift('cli-bucket/dir/big.bin');
    t.equal(viaSwift.status, 200);
    t.notMatch(viaSwift.headers.get('content-type') ?? '', /swift_bytes|s3_etag/);
    t.equal(await sha256Of(viaSwift.body as unknown as AsyncIterable<Uint8Array>), bigSha, 'Swift GET stitches the parts');

    const rm = await aws('s3', 'rm', 's3://cli-bucket/dir/big.bin', '--only-show-errors');
    t.equal(rm.code, 0, rm.stderr);
    const rb = await aws('s3', 'rb', 's3://cli-bucket');
    t.equal(rb.code, 0, rb.stderr);
    const gone = await aws('s3api', 'head-bucket', '--bucket', 'cli-bucket');
    t.not(gone.code, 0, 'the bucket is gone');
    t.match(gone.stderr, /404|Not Found/);
  });

  await t.test('AWS SDK v3 with default checksums: put, get, list, delete; wrong key refused', async (t) => {
    const client = (secretAccessKey: string): S3Client => new S3Client({
      endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'test:tester', secretAccessKey },
    });
    const s3 = client('testing');
    t.teardown(() => s3.destroy());
    await s3.send(new CreateBucketCommand({ Bucket: 'sdk-bucket' }));
    const put = await s3.send(new PutObjectCommand({ Bucket: 'sdk-bucket', Key: 'a b/ü.txt', Body: 'hello sdk', ContentType: 'text/plain' }));
    t.ok(put.ChecksumCRC32, 'default CRC32 checksum accepted and echoed');
    const streamed = await s3.send(new PutObjectCommand({
      Bucket: 'sdk-bucket', Key: 'stream', Body: Readable.from([Buffer.alloc(200_000, 3), Buffer.alloc(100_000, 4)]), ContentLength: 300_000,
    }));
    t.ok(streamed.ETag, 'streamed body (aws-chunked with trailer)');
    const got = await s3.send(new GetObjectCommand({ Bucket: 'sdk-bucket', Key: 'a b/ü.txt', ChecksumMode: 'ENABLED' }));
    t.equal(await got.Body?.transformToString(), 'hello sdk');
    t.equal(got.ContentType, 'text/plain');
    const list = await s3.send(new ListObjectsV2Command({ Bucket: 'sdk-bucket' }));
    t.same(list.Contents?.map((o) => [o.Key, o.Size]), [['a b/ü.txt', 9], ['stream', 300_000]]);

    // Cross-API: the object S3 wrote is the one Swift reads, in the same account.
    const viaSwift = await swift(`sdk-bucket/${encodeURIComponent('a b')}/${encodeURIComponent('ü.txt')}`);
    t.same([viaSwift.status, await viaSwift.text(), viaSwift.headers.get('content-type')], [200, 'hello sdk', 'text/plain']);
    t.equal((await fetch(`${endpoint}/v1/AUTH_test/sdk-bucket/stream`)).status, 401, 'Swift without a token is refused');

    for (const key of ['a b/ü.txt', 'stream']) await s3.send(new DeleteObjectCommand({ Bucket: 'sdk-bucket', Key: key }));
    t.same((await s3.send(new ListObjectsV2Command({ Bucket: 'sdk-bucket' }))).KeyCount, 0);
    await t.rejects(s3.send(new GetObjectCommand({ Bucket: 'sdk-bucket', Key: 'stream' })), { name: 'NoSuchKey' });
    const bad = client('wrong-secret');
    t.teardown(() => bad.destroy());
    await t.rejects(bad.send(new PutObjectCommand({ Bucket: 'sdk-bucket', Key: 'x', Body: 'x' })), { name: 'SignatureDoesNotMatch' });
  });
});
