import t, { type Test } from 'tap';
import { buildTestApp, login } from '../testing/test-app.js';
import { allowed } from './acl.js';

async function setup(t: Test) {
  const env = await buildTestApp();
  t.teardown(() => env.app.close());
  const owner = await login(env.app, 'test:tester', 'testing');
  const other = await login(env.app, 'test2:tester2', 'testing2');
  const plain = await login(env.app, 'test:tester3', 'testing3');
  const reseller = await login(env.app, 'admin:admin', 'admin');
  const req = (method: string, url: string, token?: string, headers: Record<string, string> = {}, payload?: string) =>
    env.app.inject({ method: method as 'GET', url, headers: { ...(token ? { 'x-auth-token': token } : {}), ...headers }, ...(payload !== undefined ? { payload } : {}) });
  t.equal((await req('PUT', `${owner.path}/priv`, owner.token)).statusCode, 201);
  t.equal((await req('PUT', `${owner.path}/priv/o`, owner.token, {}, 'secret')).statusCode, 201);
  return { ...env, owner, other, plain, reseller, req };
}

t.test('one account cannot read or write another account\'s data', async (t) => {
  const { owner, other, req } = await setup(t);
  t.equal((await req('GET', `${owner.path}/priv/o`, other.token)).statusCode, 403);
  t.equal((await req('PUT', `${owner.path}/priv/x`, other.token, {}, 'x')).statusCode, 403);
  t.equal((await req('DELETE', `${owner.path}/priv/o`, other.token)).statusCode, 403);
  t.equal((await req('GET', owner.path, other.token)).statusCode, 403);
  t.equal((await req('PUT', `${owner.path}/new`, other.token)).statusCode, 403);
  t.equal((await req('POST', `${owner.path}/priv`, other.token, { 'x-container-read': '.r:*' })).statusCode, 403);
  t.equal((await req('GET', `${owner.path}/priv/o`)).statusCode, 401, 'anonymous gets 401');
  t.equal((await req('GET', '/v1/test/priv/o', owner.token)).statusCode, 403, 'accounts outside AUTH_ are not served');
  t.equal((await req('GET', `${owner.path}/priv/o`, owner.token)).body, 'secret');
});

t.test('.reseller_admin acts on every account; a user without .admin needs an ACL', async (t) => {
  const { owner, plain, reseller, req } = await setup(t);
  t.equal((await req('GET', `${owner.path}/priv/o`, reseller.token)).statusCode, 200);
  t.equal((await req('PUT', `${owner.path}/byadmin`, reseller.token)).statusCode, 201);
  t.equal((await req('GET', owner.path, plain.token)).statusCode, 403);
  t.equal((await req('GET', `${owner.path}/priv/o`, plain.token)).statusCode, 403);
  t.equal((await req('POST', `${owner.path}/priv`, owner.token, { 'x-container-read': 'test:tester3', 'x-container-write': 'test' })).statusCode, 204);
  t.equal((await req('GET', `${owner.path}/priv/o`, plain.token)).statusCode, 200, 'read ACL grants read');
  t.equal((await req('GET', `${owner.path}/priv`, plain.token)).statusCode, 200, 'a group in the read ACL may list');
  t.equal((await req('PUT', `${owner.path}/priv/by3`, plain.token, {}, 'x')).statusCode, 201, 'write ACL grants write');
  t.equal((await req('POST', `${owner.path}/priv`, plain.token, { 'x-container-meta-a': 'b' })).statusCode, 403, 'not container POST');
  const head = await req('HEAD', `${owner.path}/priv`, plain.token);
  t.notOk(head.headers['x-container-read'], 'ACLs are shown to owners only');
  t.equal((await req('HEAD', `${owner.path}/priv`, owner.token)).headers['x-container-read'], 'test:tester3');
  t.equal((await req('POST', `${owner.path}/priv`, owner.token, { 'x-remove-container-read': 'x' })).statusCode, 204);
  t.notOk((await req('HEAD', `${owner.path}/priv`, owner.token)).headers['x-container-read'], 'X-Remove-Container-Read removes it');
  t.equal((await req('GET', `${owner.path}/priv/o`, plain.token)).statusCode, 403, 'and the grant is gone');
});

t.test('.r:* makes objects public; listings need .rlistings; referrer rules apply', async (t) => {
  const { owner, req } = await setup(t);
  t.equal((await req('POST', `${owner.path}/priv`, owner.token, { 'x-container-read': '.r:*' })).statusCode, 204);
  t.equal((await req('GET', `${owner.path}/priv/o`)).statusCode, 200);
  t.equal((await req('GET', `${owner.path}/priv`)).statusCode, 401, 'no listing without .rlistings');
  t.equal((await req('PUT', `${owner.path}/priv/o`, undefined, {}, 'x')).statusCode, 401, 'public read is not write');
  await req('POST', `${owner.path}/priv`, owner.token, { 'x-container-read': '.r:*,.rlistings' });
  t.equal((await req('GET', `${owner.path}/priv`)).statusCode, 200);
  await req('POST', `${owner.path}/priv`, owner.token, { 'x-container-read': '.r:.example.com,.r:-bad.example.com' });
  t.equal((await req('GET', `${owner.path}/priv/o`, undefined, { referer: 'http://www.example.com/page' })).statusCode, 200);
  t.equal((await req('GET', `${owner.path}/priv/o`, undefined, { referer: 'http://bad.example.com/' })).statusCode, 401);
  t.equal((await req('GET', `${owner.path}/priv/o`, undefined, { referer: 'http://other.org/' })).statusCode, 401);
  t.equal((await req('POST', `${owner.path}/priv`, owner.token, { 'x-container-read': '.bogus' })).statusCode, 400, 'bad ACL entry');
});

t.test('allowed() matches account wildcards but never grants owner operations by ACL', async (t) => {
  const who = { account: 'x', user: 'u', roles: [], expiresSec: 0 };
  t.ok(allowed('read', { who, account: 'AUTH_y', readAcl: '*:u' }));
  t.ok(allowed('write', { who, account: 'AUTH_y', writeAcl: 'x:*' }));
  t.notOk(allowed('write', { who, account: 'AUTH_y', writeAcl: '.r:*' }));
  t.notOk(allowed('owner', { who, account: 'AUTH_y', readAcl: '*', writeAcl: '*' }));
  t.ok(allowed('owner', { who: { ...who, roles: ['.admin'] }, account: 'AUTH_x' }));
});
