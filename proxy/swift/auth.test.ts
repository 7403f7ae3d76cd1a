import t from 'tap';
import { buildTestApp, login } from '../testing/test-app.js';
import { issueToken, verifyToken } from './token.js';

const SECRET = 'test-secret-0123456789';

t.test('GET /auth/v1.0 returns a token and a storage URL built from the Host header', async (t) => {
  const { app } = await buildTestApp();
  t.teardown(() => app.close());
  const res = await app.inject({ url: '/auth/v1.0', headers: { host: 'swift.example:8080', 'x-auth-user': 'test:tester', 'x-auth-key': 'testing' } });
  t.equal(res.statusCode, 200);
  t.equal(res.headers['x-storage-url'], 'http://swift.example:8080/v1/AUTH_test');
  t.equal(res.headers['x-auth-token'], res.headers['x-storage-token']);
  t.equal(res.headers['x-auth-token-expires'], '86400');
  t.match(String(res.headers['x-auth-token']), /^AUTH_tk/);
  const legacy = await app.inject({ url: '/auth/v1.0', headers: { 'x-storage-user': 'test2:tester2', 'x-storage-pass': 'testing2' } });
  t.equal(legacy.statusCode, 200);
  t.match(String(legacy.headers['x-storage-url']), /\/v1\/AUTH_test2$/);
});

t.test('GET /auth/v1.0 refuses wrong keys, unknown users and missing headers with 401', async (t) => {
  const { app } = await buildTestApp();
  t.teardown(() => app.close());
  for (const headers of [
    { 'x-auth-user': 'test:tester', 'x-auth-key': 'wrong' },
    { 'x-auth-user': 'test:nobody', 'x-auth-key': 'testing' },
    { 'x-auth-user': 'tester', 'x-auth-key': 'testing' },
    { 'x-auth-user': 'test:tester' },
    {},
  ]) {
    const res = await app.inject({ url: '/auth/v1.0', headers });
    t.equal(res.statusCode, 401, JSON.stringify(headers));
    t.notOk(res.headers['x-auth-token']);
  }
});

t.test('Swift tokens are refused when forged, expired, malformed or signed by another secret', async (t) => {
  const { app } = await buildTestApp();
  t.teardown(() => app.close());
  const { token, path } = await login(app, 'test:tester', 'testing');
  t.equal((await app.inject({ method: 'HEAD', url: path, headers: { 'x-auth-token': token } })).statusCode, 204);
  const nowSec = Math.floor(Date.now() / 1000);
  const claims = { account: 'test', user: 'tester', roles: ['.admin'] };
  const bad = [
    'garbage',
    `${token}x`,
    token.replace(/^AUTH_tk./, 'AUTH_tkA'),
    issueToken({ ...claims, expiresSec: nowSec - 10 }, SECRET),
    issueToken({ ...claims, expiresSec: nowSec + 100 }, 'another-secret-0123456789'),
    issueToken({ ...claims, account: 'admin', roles: ['.reseller_admin'], expiresSec: nowSec + 100 }, 'wrong-secret-9876543210'),
  ];
  for (const tok of bad) {
    const res = await app.inject({ method: 'GET', url: path, headers: { 'x-auth-token': tok } });
    t.equal(res.statusCode, 401, tok.slice(0, 30));
  }
  t.equal((await app.inject({ method: 'GET', url: path })).statusCode, 401, 'no token at all');
});

t.test('a token from one proxy is valid on another proxy with the same secret', async (t) => {
  const a = await buildTestApp();
  const b = await buildTestApp();
  t.teardown(async () => { await a.app.close(); await b.app.close(); });
  const { token, path } = await login(a.app, 'test:tester', 'testing');
  t.equal((await b.app.inject({ method: 'HEAD', url: path, headers: { 'x-auth-token': token } })).statusCode, 204);
});

t.test('verifyToken() returns the claims and rejects expiry at the exact second', async (t) => {
  const tok = issueToken({ account: 'a', user: 'u', roles: ['.admin'], expiresSec: 1000 }, SECRET);
  t.same(verifyToken(tok, SECRET, 999_000), { account: 'a', user: 'u', roles: ['.admin'], expiresSec: 1000 });
  t.throws(() => verifyToken(tok, SECRET, 1_000_000), { code: 'UNAUTHENTICATED' });
});
