import t from 'tap';
import { Readable } from 'node:stream';
import { readdir } from 'node:fs/promises';
import { filesToPush, covers, stateOf, receiveFile, hashDirOf } from './replica-files.js';

const D = (n: number, k: string) => `17000000${String(n).padStart(2, '0')}.00000.${k}`;

t.test('filesToPush() sends the newest data or tombstone and a newer .meta only', async (t) => {
  t.same(filesToPush([D(1, 'data')], []).map((f) => f.name), [D(1, 'data')], 'missing object');
  t.same(filesToPush([D(1, 'data')], [D(2, 'ts')]), [], 'peer has a newer delete');
  t.same(filesToPush([D(3, 'ts')], [D(2, 'data')]).map((f) => f.name), [D(3, 'ts')], 'newer delete goes');
  t.same(filesToPush([D(1, 'data'), D(4, 'meta')], [D(1, 'data')]).map((f) => f.name), [D(4, 'meta')], 'only the POST');
  t.same(filesToPush([D(1, 'data'), D(4, 'meta')], []).map((f) => f.name), [D(1, 'data'), D(4, 'meta')], 'data then POST');
  t.same(filesToPush([D(1, 'data'), D(4, 'meta')], [D(5, 'data')]), [], 'peer has newer data');
  t.same(filesToPush([D(1, 'data'), D(4, 'meta')], [D(1, 'data'), D(6, 'meta')]), [], 'peer has a newer POST');
  t.same(filesToPush(['junk', '1.data'], []), [], 'unknown names are ignored');
  t.ok(covers([D(2, 'ts')], [D(1, 'data')]));
  t.notOk(covers([], [D(1, 'ts')]));
  t.same(stateOf([D(5, 'meta'), D(6, 'data')]).meta, undefined, 'a .meta older than the data does not count');
});

t.test('receiveFile() keeps the newest version and refuses bad input', async (t) => {
  const root = t.testdir({});
  const hash = '0123456789abcdef';
  const body = (s: string) => Readable.from([Buffer.from(s)]);
  t.equal(await receiveFile(root, 1, hash, D(2, 'data'), 3, body('abc')), true);
  t.equal(await receiveFile(root, 1, hash, D(1, 'data'), 3, body('old')), false, 'older data ignored');
  t.equal(await receiveFile(root, 1, hash, D(3, 'ts'), 0, Readable.from([])), true, 'newer tombstone');
  t.same(await readdir(hashDirOf(root, 1, hash)), [D(3, 'ts')], 'obsolete data removed');
  t.same(await readdir(`${root}/tmp`), [], 'no temporary file left');
  await t.rejects(receiveFile(root, 1, hash, D(4, 'data'), 5, body('abc')), { code: 'INVALID_ARGUMENT' }, 'short body');
  await t.rejects(receiveFile(root, 1, hash, D(4, 'data'), 1, body('abc')), { code: 'INVALID_ARGUMENT' }, 'long body');
  await t.rejects(receiveFile(root, 1, '../../etc', D(4, 'data'), 1, body('a')), { code: 'INVALID_ARGUMENT' }, 'bad hash');
  await t.rejects(receiveFile(root, 1, hash, '../x.data', 1, body('a')), { code: 'INVALID_ARGUMENT' }, 'bad name');
  t.same(await readdir(`${root}/tmp`), [], 'failed pushes leave nothing');
});

t.test('receiveFile() applies one of two pushes of the same file arriving at once', async (t) => {
  const root = t.testdir({});
  const hash = 'fedcba9876543210';
  const body = (s: string) => Readable.from([Buffer.from(s)]);
  for (let round = 1; round <= 5; round++) {
    const name = D(round, 'data');
    const results = await Promise.all([receiveFile(root, 2, hash, name, 4, body('same')), receiveFile(root, 2, hash, name, 4, body('same'))]);
    t.same(results.filter(Boolean).length, 1, `round ${round}: exactly one push counts as applied`);
    t.same(await readdir(hashDirOf(root, 2, hash)), [name], 'one file, the newest');
  }
  t.same(await readdir(`${root}/tmp`), [], 'the refused push left no temporary file');
});
