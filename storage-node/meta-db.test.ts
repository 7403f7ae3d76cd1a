import t from 'tap';
import { join } from 'node:path';
import { Devices } from './devices.js';
import { MetaDbs } from './meta-db.js';

t.test('MetaDbs hands out one sublevel per name, so asking per request does not leak', async (t) => {
  const dir = t.testdir({ d1: {} });
  const dbs = new MetaDbs(new Devices([{ name: 'd1', path: join(dir, 'd1') }]));
  t.teardown(() => dbs.close());
  const { db } = await dbs.get('d1');
  const a = db.sublevel<string, { n: number }>('shash', { valueEncoding: 'json' });
  const b = db.sublevel<string, { n: number }>('shash', { valueEncoding: 'json' });
  t.equal(a, b, 'the same instance');
  t.not(db.sublevel('other', { valueEncoding: 'json' }), a, 'another name is another sublevel');
  t.not(db.sublevel('shash', { valueEncoding: 'utf8' }), a, 'other options are another sublevel');
  await a.put('k', { n: 1 });
  t.same(await b.get('k'), { n: 1 }, 'and it reads and writes as before');
});
