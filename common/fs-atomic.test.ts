import t from 'tap';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './fs-atomic.js';

t.test('writeFileAtomic() replaces the file and leaves no temporary behind', async (t) => {
  const dir = t.testdir({ 'f.txt': 'old' });
  await writeFileAtomic(join(dir, 'f.txt'), 'new');
  t.equal(await readFile(join(dir, 'f.txt'), 'utf8'), 'new');
  t.same(await readdir(dir), ['f.txt']);
});

t.test('writeFileAtomic() fails with a code when the folder is missing', async (t) => {
  const dir = t.testdir({});
  await t.rejects(writeFileAtomic(join(dir, 'nope', 'f.txt'), 'x'), { code: 'NOT_FOUND' });
  await writeFile(join(dir, 'g'), 'x');
});
