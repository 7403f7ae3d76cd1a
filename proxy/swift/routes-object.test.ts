import t, { type Test } from 'tap';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { buildTestApp, login, swiftCaller } from '../testing/test-app.js';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

async function setup(t: Test, overrides: Record<string, unknown> = {}) {
  const env = await buildTestApp(overrides);
  t.teardown(() => env.app.close());
  const session = await login(env.app, 'test:tester', 'testing');
  const call = swiftCaller(env.app, session);
  await call('PUT', '/c');
  return { ...env, call, session };
}

t.test('object PUT, GET, HEAD, POST and DELETE keep data, metadata and Swift headers', async (t) => {
  const { call } = await setup(t);
  const put = await call('PUT', '/c/dir/file.txt', { payload: 'hello world', headers: { 'x-object-meta-color': 'blue', 'content-disposition': 'inline' } });
  t.equal(put.statusCode, 201);
  t.equal(put.headers.etag, md5('hello world'));
  t.ok(put.headers['last-modified']);
  const get = await call('GET', '/c/dir/file.txt');
  t.equal(get.statusCode, 200);
  t.equal(get.body, 'hello world');
  t.equal(get.headers['content-type'], 'text/plain', 'guessed from the extension');
  t.equal(get.headers['x-object-meta-color'], 'blue');
  t.equal(get.headers['content-disposition'], 'inline');
  t.match(String(get.headers['x-timestamp']), /^\d{10}\.\d{5}$/);
  t.equal(get.headers['accept-ranges'], 'bytes');
  const head = await call('HEAD', '/c/dir/file.txt');
  t.equal(head.statusCode, 200);
  t.equal(head.headers['content-length'], '11');
  t.equal(head.body, '');
  t.equal((await call('POST', '/c/dir/file.txt', { headers: { 'x-object-meta-size': 'XL', 'content-type': 'text/x-custom' } })).statusCode, 202);
  const after = await call('HEAD', '/c/dir/file.txt');
  t.equal(after.headers['x-object-meta-size'], 'XL');
  t.notOk(after.headers['x-object-meta-color'], 'POST replaces user metadata');
  t.equal(after.headers['content-type'], 'text/x-custom');
  t.equal((await call('DELETE', '/c/dir/file.txt')).statusCode, 204);
  t.equal((await call('GET', '/c/dir/file.txt')).statusCode, 404);
  t.equal((await call('DELETE', '/c/dir/file.txt')).statusCode, 404);
  t.equal((await call('POST', '/c/dir/file.txt', { headers: { 'x-object-meta-a': 'b' } })).statusCode, 404);
  t.equal((await call('PUT', '/nocontainer/o', { payload: 'x' })).statusCode, 404);
});

t.test('object PUT checks ETag, If-None-Match, length and size limits', async (t) => {
  const { call } = await setup(t, { maxFileSize: 10 });
  t.equal((await call('PUT', '/c/o', { payload: 'abc', headers: { etag: md5('abd') } })).statusCode, 422);
  t.equal((await call('PUT', '/c/o', { payload: 'abc', headers: { etag: `"${md5('abc')}"` } })).statusCode, 201);
  t.equal((await call('PUT', '/c/o', { payload: 'abc', headers: { 'if-none-match': '*' } })).statusCode, 412);
  t.equal((await call('PUT', '/c/new', { payload: 'abc', headers: { 'if-none-match': '*' } })).statusCode, 201);
  t.equal((await call('PUT', '/c/o', { payload: 'abc', headers: { 'if-none-match': 'abc' } })).statusCode, 400);
  t.equal((await call('PUT', '/c/o2')).statusCode, 411, 'no Content-Length and not chunked');
  t.equal((await call('PUT', '/c/o2', { payload: 'x'.repeat(11) })).statusCode, 413);
  t.equal((await call('PUT', '/c/o2', { payload: 'x', headers: { 'content-length': 'ten' } })).statusCode, 400);
  const chunked = await call('PUT', '/c/chunked', { payload: Readable.from([Buffer.from('ab'), Buffer.from('cd')]), headers: { 'transfer-encoding': 'chunked' } });
  t.equal(chunked.statusCode, 201, 'chunked upload');
  t.equal((await call('GET', '/c/chunked')).body, 'abcd');
  const tooBig = await call('PUT', '/c/big', { payload: Readable.from([Buffer.alloc(8), Buffer.alloc(8)]), headers: { 'transfer-encoding': 'chunked' } });
  t.equal(tooBig.statusCode, 413, 'chunked body over the limit');
  t.equal((await call('HEAD', '/c/big')).statusCode, 404);
});

t.test('names over the limits, malformed paths and bad UTF-8 get Swift statuses', async (t) => {
  const { call, app, session } = await setup(t);
  t.equal((await call('PUT', `/c/${'o'.repeat(1024)}`, { payload: 'x' })).statusCode, 201);
  t.equal((await call('PUT', `/c/${'o'.repeat(1025)}`, { payload: 'x' })).statusCode, 400);
  t.equal((await call('PUT', `/${'c'.repeat(257)}`)).statusCode, 400);
  t.equal((await call('PUT', `/${'c'.repeat(256)}`)).statusCode, 201);
  t.equal((await call('GET', '/c/%FF%FE')).statusCode, 412);
  t.equal((await call('GET', '/c/a%00b')).statusCode, 412);
  const hdr = { 'x-auth-token': session.token };
  t.equal((await app.inject({ url: '/v1', headers: hdr })).statusCode, 404);
  t.equal((await app.inject({ url: `${session.path}//o`, headers: hdr })).statusCode, 404);
  t.equal((await call('PUT', '/c/o', { payload: 'x', headers: { 'x-delete-at': 'soon' } })).statusCode, 400);
  t.equal((await call('PUT', '/c/o', { payload: 'x', headers: { 'x-delete-at': '1000' } })).statusCode, 400, 'X-Delete-At in the past');
  t.equal((await call('PUT', '/c/o', { payload: 'x', headers: { 'x-object-manifest': 'noslash' } })).statusCode, 400);
  t.equal((await call('PATCH', '/c/o')).statusCode, 404, 'unknown method');
});

t.test('X-Delete-After and X-Delete-At expire objects; POST without them clears expiry', async (t) => {
  const { call, clock } = await setup(t);
  t.equal((await call('PUT', '/c/tmp', { payload: 'x', headers: { 'x-delete-after': '60' } })).statusCode, 201);
  const head = await call('HEAD', '/c/tmp');
  t.equal(head.headers['x-delete-at'], String(Math.floor(clock.nowMs() / 1000) + 60));
  await call('PUT', '/c/keep', { payload: 'x', headers: { 'x-delete-at': String(Math.floor(clock.nowMs() / 1000) + 30) } });
  t.equal((await call('POST', '/c/keep', { headers: { 'x-object-meta-a': 'b' } })).statusCode, 202);
  t.notOk((await call('HEAD', '/c/keep')).headers['x-delete-at']);
  clock.advance(61_000);
  t.equal((await call('GET', '/c/tmp')).statusCode, 404, 'expired objects are not served');
  t.equal((await call('GET', '/c/keep')).statusCode, 200);
});

t.test('conditional GET and HEAD: If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since', async (t) => {
  const { call } = await setup(t);
  await call('PUT', '/c/o', { payload: 'data' });
  const etag = md5('data');
  const lm = String((await call('HEAD', '/c/o')).headers['last-modified']);
  const past = new Date(Date.parse(lm) - 3600_000).toUTCString();
  const cases: Array<[Record<string, string>, number]> = [
    [{ 'if-match': `"${etag}"` }, 200],
    [{ 'if-match': '"nope"' }, 412],
    [{ 'if-match': '*' }, 200],
    [{ 'if-none-match': `"${etag}"` }, 304],
    [{ 'if-none-match': '"other"' }, 200],
    [{ 'if-modified-since': lm }, 304],
    [{ 'if-modified-since': past }, 200],
    [{ 'if-unmodified-since': past }, 412],
    [{ 'if-unmodified-since': lm }, 200],
    [{ 'if-modified-since': 'not a date' }, 200],
  ];
  for (const [headers, status] of cases) {
    t.equal((await call('GET', '/c/o', { headers })).statusCode, status, JSON.stringify(headers));
    t.equal((await call('HEAD', '/c/o', { headers })).statusCode, status, `HEAD ${JSON.stringify(headers)}`);
  }
  const nm = await call('GET', '/c/o', { headers: { 'if-none-match': etag } });
  t.equal(nm.headers.etag, etag);
  t.equal(nm.body, '');
  t.equal((await call('GET', '/c/missing', { headers: { 'if-match': '*' } })).statusCode, 404);
});

t.test('ranges: single, suffix, open, multiple (multipart/byteranges), unsatisfiable, malformed', async (t) => {
  const { call } = await setup(t);
  await call('PUT', '/c/r', { payload: '0123456789', headers: { 'content-type': 'text/x-digits' } });
  const one = await call('GET', '/c/r', { headers: { range: 'bytes=2-4' } });
  t.equal(one.statusCode, 206);
  t.equal(one.body, '234');
  t.equal(one.headers['content-range'], 'bytes 2-4/10');
  t.equal(one.headers['content-length'], '3');
  t.equal((await call('GET', '/c/r', { headers: { range: 'bytes=-3' } })).body, '789');
  t.equal((await call('GET', '/c/r', { headers: { range: 'bytes=7-' } })).body, '789');
  t.equal((await call('GET', '/c/r', { headers: { range: 'bytes=8-100' } })).body, '89');
  const multi = await call('GET', '/c/r', { headers: { range: 'bytes=0-1,5-6' } });
  t.equal(multi.statusCode, 206);
  const boundary = /boundary=(\w+)/.exec(String(multi.headers['content-type']))?.[1];
  t.ok(boundary);
  t.equal(multi.body, `--${boundary}\r\nContent-Type: text/x-digits\r\nContent-Range: bytes 0-1/10\r\n\r\n01\r\n`
    + `--${boundary}\r\nContent-Type: text/x-digits\r\nContent-Range: bytes 5-6/10\r\n\r\n56\r\n--${boundary}--\r\n`);
  t.equal(Number(multi.headers['content-length']), Buffer.byteLength(multi.body));
  const bad = await call('GET', '/c/r', { headers: { range: 'bytes=10-20' } });
  t.equal(bad.statusCode, 416);
  t.equal(bad.headers['content-range'], 'bytes */10');
  t.equal((await call('GET', '/c/r', { headers: { range: 'bytes=20-30,1-1' } })).body, '1', 'unsatisfiable parts are skipped');
  for (const range of ['bytes=5-2', 'items=0-1', 'bytes=x-y', 'bytes=']) {
    const r = await call('GET', '/c/r', { headers: { range } });
    t.equal(r.statusCode, 200, `malformed "${range}" serves the whole object`);
  }
});

t.test('COPY and X-Copy-From copy data and metadata; X-Fresh-Metadata drops the old', async (t) => {
  const { call, app } = await setup(t);
  await call('PUT', '/c/src', { payload: 'copy me', headers: { 'x-object-meta-a': '1', 'content-type': 'text/x-a' } });
  const copy = await call('COPY', '/c/src', { headers: { destination: 'c/dst', 'x-object-meta-b': '2' } });
  t.equal(copy.statusCode, 201);
  t.equal(copy.headers['x-copied-from'], 'c/src');
  t.equal(copy.headers.etag, md5('copy me'));
  const dst = await call('GET', '/c/dst');
  t.same([dst.body, dst.headers['x-object-meta-a'], dst.headers['x-object-meta-b'], dst.headers['content-type']], ['copy me', '1', '2', 'text/x-a']);
  const put = await call('PUT', '/c/dst2', { headers: { 'x-copy-from': '/c/src', 'x-fresh-metadata': 'true', 'x-object-meta-c': '3' } });
  t.equal(put.statusCode, 201);
  const dst2 = await call('HEAD', '/c/dst2');
  t.notOk(dst2.headers['x-object-meta-a']);
  t.equal(dst2.headers['x-object-meta-c'], '3');
  t.equal((await call('COPY', '/c/src')).statusCode, 412, 'no Destination');
  t.equal((await call('COPY', '/c/src', { headers: { destination: 'nocontainerpart' } })).statusCode, 412);
  t.equal((await call('COPY', '/c/missing', { headers: { destination: 'c/x' } })).statusCode, 404);
  const other = swiftCaller(app, await login(app, 'test2:tester2', 'testing2'));
  await other('PUT', '/theirs');
  t.equal((await other('PUT', '/theirs/stolen', { headers: { 'x-copy-from': 'c/src', 'x-copy-from-account': 'AUTH_test' } })).statusCode, 403, 'cannot copy from another account');
  t.equal((await call('COPY', '/c/src', { headers: { destination: 'theirs/x', 'destination-account': 'AUTH_test2' } })).statusCode, 403, 'cannot copy into another account');
});
