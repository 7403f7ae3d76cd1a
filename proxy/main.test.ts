import t from 'tap';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { silentLogger } from '../common/index.js';
import { startProxy } from './main.js';

t.test('startProxy() listens with users from the file plus development users', async (t) => {
  const dir = t.testdir({
    'users.json': JSON.stringify({ users: [{ account: 'acme', user: 'ops', key: 'pw', roles: ['.admin'] }, { account: 'test', user: 'tester', key: 'changed', roles: ['.admin'] }] }),
  });
  await writeFile(join(dir, 'proxy.json'), JSON.stringify({
    authSecret: 'z'.repeat(32), backend: 'memory', bindPort: 0, usersFile: 'users.json', developmentUsers: true,
  }));
  const proxy = await startProxy(join(dir, 'proxy.json'), silentLogger());
  t.teardown(() => proxy.close());
  const auth = (user: string, key: string) => fetch(`${proxy.url}/auth/v1.0`, { headers: { 'x-auth-user': user, 'x-auth-key': key } });
  t.equal((await auth('acme:ops', 'pw')).status, 200);
  t.equal((await auth('test2:tester2', 'testing2')).status, 200, 'development users are there');
  t.equal((await auth('test:tester', 'testing')).status, 401, 'the file replaces a development user');
  t.equal((await auth('test:tester', 'changed')).status, 200);
  t.equal((await fetch(`${proxy.url}/healthcheck`)).status, 200);
});

t.test('startProxy() reports missing config, users and cluster files', async (t) => {
  const dir = t.testdir({
    'cluster.json': JSON.stringify({ authSecret: 'z'.repeat(32), clusterFile: 'c.json', bindPort: 0 }),
    'nousers.json': JSON.stringify({ authSecret: 'z'.repeat(32), backend: 'memory', bindPort: 0, usersFile: 'missing.json' }),
  });
  await t.rejects(startProxy(join(dir, 'cluster.json'), silentLogger()), { code: 'NOT_FOUND', message: /c\.json/ });
  await t.rejects(startProxy(join(dir, 'nousers.json'), silentLogger()), { code: 'NOT_FOUND' });
  await t.rejects(startProxy(join(dir, 'absent.json'), silentLogger()), { code: 'NOT_FOUND' });
});
