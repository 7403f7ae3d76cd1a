import t from 'tap';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { SwiftTarget } from './swift-target.js';
import { S3Target } from './s3-target.js';

/** A tiny fake proxy: tokens t1, t2 (t1 expires after the first use), one object "a". */
async function fakeProxy(t: { teardown(fn: () => unknown): void }, handler: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, res, Buffer.concat(chunks)));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => { server.closeAllConnections(); server.close(); });
  const addr = server.address();
  return `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
}

const opts = (endpoint: string) => ({ endpoint, user: 'test:tester', key: 'testing', region: 'us-east-1', requestTimeoutMs: 5000, concurrency: 2 });

t.test('SwiftTarget logs in again once when a token is refused, and verifies ETags', async (t) => {
  let logins = 0;
  const endpoint = await fakeProxy(t, (req, res) => {
    if (req.url === '/auth/v1.0') {
      logins++;
      t.equal(req.headers['x-storage-pass'], 'testing');
      res.writeHead(200, { 'x-storage-url': 'http://public.example:1/v1/AUTH_test', 'x-auth-token': `t${logins}` }).end();
    } else if (req.headers['x-auth-token'] === 't1' && req.method === 'GET') {
      res.writeHead(401).end();
    } else if (req.method === 'PUT' && req.url === '/v1/AUTH_test/c') {
      res.writeHead(201).end();
    } else if (req.method === 'PUT') {
      res.writeHead(201, { etag: req.url?.endsWith('/bad') ? 'nope' : String(req.headers.etag) }).end();
    } else {
      res.writeHead(200).end('hello');
    }
  });
  const target = new SwiftTarget(opts(endpoint));
  await target.open('c');
  await target.put('ok', Buffer.from('x'), 1, '9dd4e461268c8034f5c8564e155c67a6');
  await t.rejects(target.put('bad', Buffer.from('x'), 1, '9dd4e461268c8034f5c8564e155c67a6'), /ETag "nope"/);
  const got = await target.get('a');
  t.equal(got.md5, '5d41402abc4b2a76b9719d911017c592', 'md5 of "hello"');
  t.equal(logins, 2, 'one re-login after the 401');
});

t.test('SwiftTarget reports a failed login with its status', async (t) => {
  const endpoint = await fakeProxy(t, (_req, res) => { res.writeHead(401).end('bad key'); });
  await t.rejects(new SwiftTarget(opts(endpoint)).open('c'), /Swift login answered 401: bad key/);
});

t.test('S3Target signs requests and pages ListObjectsV2 with start-after', async (t) => {
  const seen: string[] = [];
  const endpoint = await fakeProxy(t, (req, res) => {
    t.match(String(req.headers.authorization), /^AWS4-HMAC-SHA256 Credential=test:tester\//);
    t.equal(req.headers['x-amz-content-sha256'], 'UNSIGNED-PAYLOAD');
    seen.push(`${req.method} ${req.url}`);
    if (req.method === 'PUT') { res.writeHead(409).end('<Error><Code>BucketAlreadyOwnedByYou</Code></Error>'); return; }
    const more = !req.url?.includes('start-after');
    res.writeHead(200).end(`<ListBucketResult><IsTruncated>${more}</IsTruncated><Contents><Key>${more ? 'a&amp;1' : 'b'}</Key></Contents></ListBucketResult>`);
  });
  const target = new S3Target(opts(endpoint));
  await target.open('bk');
  const first = await target.list(undefined, 1);
  t.same(first, { names: ['a&1'], next: 'a&1' });
  const second = await target.list(first.next, 1);
  t.same(second, { names: ['b'] });
  t.same(seen, ['PUT /bk', 'GET /bk?list-type=2&max-keys=1', 'GET /bk?list-type=2&max-keys=1&start-after=a%261']);
});
