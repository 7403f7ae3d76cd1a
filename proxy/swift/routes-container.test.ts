import t, { type Test } from 'tap';
import { buildTestApp, login, swiftCaller } from '../testing/test-app.js';

async function setup(t: Test) {
  const env = await buildTestApp();
  t.teardown(() => env.app.close());
  const call = swiftCaller(env.app, await login(env.app, 'test:tester', 'testing'));
  return { ...env, call };
}

t.test('container PUT answers 201 then 202, DELETE 409 when not empty, 204, then 404', async (t) => {
  const { call } = await setup(t);
  t.equal((await call('PUT', '/c', { headers: { 'x-container-meta-color': 'red' } })).statusCode, 201);
  t.equal((await call('PUT', '/c')).statusCode, 202);
  t.equal((await call('PUT', '/c/o', { payload: 'x' })).statusCode, 201);
  t.equal((await call('DELETE', '/c')).statusCode, 409);
  t.equal((await call('DELETE', '/c/o')).statusCode, 204);
  t.equal((await call('DELETE', '/c')).statusCode, 204);
  t.equal((await call('DELETE', '/c')).statusCode, 404);
  t.equal((await call('HEAD', '/c')).statusCode, 404);
  t.equal((await call('POST', '/c', { headers: { 'x-container-meta-a': 'b' } })).statusCode, 404);
  t.equal((await call('GET', '/c')).statusCode, 404);
});

t.test('container and account metadata: set, show, remove', async (t) => {
  const { call } = await setup(t);
  await call('PUT', '/c', { headers: { 'x-container-meta-color': 'red', 'x-container-meta-size': 'L' } });
  t.equal((await call('POST', '/c', { headers: { 'x-remove-container-meta-size': 'x', 'x-container-meta-new': 'n' } })).statusCode, 204);
  const head = await call('HEAD', '/c');
  t.equal(head.statusCode, 204);
  t.equal(head.headers['x-container-meta-color'], 'red');
  t.equal(head.headers['x-container-meta-new'], 'n');
  t.notOk(head.headers['x-container-meta-size']);
  t.equal(head.headers['x-container-object-count'], '0');
  t.ok(head.headers['x-timestamp']);
  t.equal((await call('POST', '', { headers: { 'x-account-meta-owner': 'me' } })).statusCode, 204);
  const acc = await call('HEAD', '');
  t.equal(acc.headers['x-account-meta-owner'], 'me');
  t.equal(acc.headers['x-account-container-count'], '1');
  t.equal((await call('PUT', '')).statusCode, 405, 'accounts are not created through the API');
});

t.test('metadata over Swift\'s limits is refused with 400', async (t) => {
  const { call } = await setup(t);
  t.equal((await call('PUT', '/c', { headers: { [`x-container-meta-${'n'.repeat(129)}`]: 'v' } })).statusCode, 400);
  t.equal((await call('PUT', '/c', { headers: { 'x-container-meta-a': 'v'.repeat(257) } })).statusCode, 400);
  const many: Record<string, string> = {};
  for (let i = 0; i < 91; i++) many[`x-container-meta-k${i}`] = 'v';
  t.equal((await call('PUT', '/c', { headers: many })).statusCode, 400);
  const big: Record<string, string> = {};
  for (let i = 0; i < 20; i++) big[`x-container-meta-k${i}`] = 'v'.repeat(250);
  t.equal((await call('PUT', '/c', { headers: big })).statusCode, 400, 'overall size');
  t.equal((await call('HEAD', '/c')).statusCode, 404, 'nothing was created');
});

t.test('object listings: prefix, delimiter, markers, reverse, limit, formats', async (t) => {
  const { call } = await setup(t);
  await call('PUT', '/c');
  for (const name of ['a', 'b/1', 'b/2', 'c', 'd/e/f', 'ü']) {
    await call('PUT', `/c/${encodeURIComponent(name)}`, { payload: name, headers: { 'content-type': 'text/plain' } });
  }
  const plain = async (q: string): Promise<string[]> => (await call('GET', `/c${q}`)).body.split('\n').filter((l) => l);
  t.same(await plain(''), ['a', 'b/1', 'b/2', 'c', 'd/e/f', 'ü']);
  t.same(await plain('?prefix=b/'), ['b/1', 'b/2']);
  t.same(await plain('?delimiter=/'), ['a', 'b/', 'c', 'd/', 'ü']);
  t.same(await plain('?delimiter=/&prefix=d/'), ['d/e/']);
  t.same(await plain('?marker=b/1&limit=2'), ['b/2', 'c']);
  t.same(await plain('?end_marker=c'), ['a', 'b/1', 'b/2']);
  t.same(await plain('?reverse=on&limit=2'), ['ü', 'd/e/f']);
  t.same(await plain(`?marker=${encodeURIComponent('ü')}`), []);
  const json = await call('GET', '/c?format=json&delimiter=/&prefix=b');
  t.equal(json.headers['content-type'], 'application/json; charset=utf-8');
  t.same(JSON.parse(json.body), [{ subdir: 'b/' }]);
  const full = JSON.parse((await call('GET', '/c?limit=1', { headers: { accept: 'application/json' } })).body) as Array<Record<string, unknown>>;
  t.same(Object.keys(full[0]!).sort(), ['bytes', 'content_type', 'hash', 'last_modified', 'name']);
  t.match(full[0]!.last_modified, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
  t.equal(full[0]!.hash, '0cc175b9c0f1b6a831c399e269772661');
  const xml = await call('GET', '/c?format=xml&prefix=a');
  t.match(xml.body, /<container name="c"><object><name>a<\/name><hash>0cc175b9c0f1b6a831c399e269772661<\/hash><bytes>1<\/bytes>/);
  const acc = await call('GET', '?format=json');
  t.same(JSON.parse(acc.body).map((c: { name: string; count: number }) => [c.name, c.count]), [['c', 6]]);
  t.equal(acc.headers['x-account-object-count'], '6');
});

t.test('empty plain listings answer 204; bad listing parameters answer 412, 400 or 406', async (t) => {
  const { call } = await setup(t);
  await call('PUT', '/c');
  t.equal((await call('GET', '/c')).statusCode, 204);
  t.equal((await call('GET', '/c?format=json')).body, '[]');
  t.equal((await call('GET', '/c?limit=10001')).statusCode, 412);
  t.equal((await call('GET', '/c?limit=abc')).statusCode, 400);
  t.equal((await call('GET', '/c?delimiter=ab')).statusCode, 412);
  t.equal((await call('GET', '/c?format=yaml')).statusCode, 406);
  t.equal((await call('GET', '?limit=10001')).statusCode, 412);
});
