import t from 'tap';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEVELOPMENT_USERS, UserDirectory } from './user-directory.js';

t.test('UserDirectory.fromRecords() finds development users by account and S3 key', async (t) => {
  const d = UserDirectory.fromRecords(DEVELOPMENT_USERS);
  t.equal(d.size, 6);
  t.same(d.lookup('admin', 'admin')?.roles, ['.admin', '.reseller_admin']);
  t.equal(d.lookup('test2', 'tester2')?.key, 'testing2');
  t.equal(d.lookupS3('test:tester3')?.key, 'testing3');
  t.equal(d.lookupS3('nocolon'), undefined);
  t.equal(d.lookup('test', 'nobody'), undefined);
});

t.test('UserDirectory.fromRecords() rejects duplicates and malformed records', async (t) => {
  t.throws(() => UserDirectory.fromRecords([DEVELOPMENT_USERS[0]!, DEVELOPMENT_USERS[0]!]), { code: 'INVALID_ARGUMENT' });
  t.throws(() => UserDirectory.fromRecords([{ account: 'a:b', user: 'u', key: 'k', roles: [] }]), { code: 'INVALID_ARGUMENT' });
  t.throws(() => UserDirectory.fromRecords([{ account: 'a', user: 'u', key: '', roles: [] }]), { code: 'INVALID_ARGUMENT' });
});

t.test('UserDirectory.load() reads the sample file and reports missing or bad files', async (t) => {
  const d = await UserDirectory.load(new URL('../../etc/proxy-users.sample.json', import.meta.url).pathname);
  t.ok(d.lookup('test', 'tester'));
  const dir = t.testdir({});
  await t.rejects(UserDirectory.load(join(dir, 'none.json')), { code: 'NOT_FOUND' });
  await writeFile(join(dir, 'bad.json'), '{ nope');
  await t.rejects(UserDirectory.load(join(dir, 'bad.json')), { code: 'INVALID_ARGUMENT' });
  await writeFile(join(dir, 'shape.json'), '{"users": {}}');
  await t.rejects(UserDirectory.load(join(dir, 'shape.json')), { code: 'INVALID_ARGUMENT' });
});
