/**
 * Acceptance: the unmodified python-swiftclient CLI against the real all-in-one (real processes,
 * real files): stat, post, upload (plain and SLO segments), list with prefix and delimiter,
 * download with equal checksums, copy, delete; then a restart keeps the data.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startAllInOne, type AllInOne } from './all-in-one.js';

const run = promisify(execFile);

async function swift(aio: AllInOne, cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('/usr/bin/python3', ['/usr/bin/swift', '-A', aio.authUrl, '-U', 'test:tester', '-K', 'testing', ...args],
    { cwd, env: { ...process.env, ST_AUTH: '', ST_USER: '', ST_KEY: '' }, timeout: 60_000, maxBuffer: 16 << 20 });
  return stdout;
}

async function swiftFails(aio: AllInOne, cwd: string, ...args: string[]): Promise<string> {
  try {
    await swift(aio, cwd, ...args);
  } catch (err) {
    return String((err as { stderr?: string }).stderr ?? err);
  }
  throw new Error(`swift ${args.join(' ')} should have failed`);
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

t.test('swift CLI works unmodified against the all-in-one', async (t) => {
  const dir = t.testdir({});
  const aio = await startAllInOne(t);
  const work = join(dir, 'work');
  await run('mkdir', ['-p', join(work, 'dir')]);

  const stat = await swift(aio, work, 'stat');
  t.match(stat, /Account: AUTH_test/);

  await swift(aio, work, 'post', 'photos');
  await swift(aio, work, 'post', '-m', 'color:blue', 'photos');
  t.match(await swift(aio, work, 'stat', 'photos'), /Meta Color: blue/);

  const big = randomBytes(3 * 1024 * 1024 + 123);
  await writeFile(join(work, 'big.bin'), big);
  await swift(aio, work, 'upload', 'photos', 'big.bin');
  await swift(aio, work, 'upload', 'photos', 'big.bin', '--object-name', 'slo.bin', '--segment-size', '1048576', '--use-slo');
  for (const name of ['dir/a.txt', 'dir/b.txt', 'other.txt']) {
    await writeFile(join(work, name), `content of ${name}`);
    await swift(aio, work, 'upload', 'photos', name);
  }

  t.same((await swift(aio, work, 'list', 'photos', '--prefix', 'dir/')).trim().split('\n'), ['dir/a.txt', 'dir/b.txt']);
  t.same((await swift(aio, work, 'list', 'photos', '--delimiter', '/')).trim().split('\n'), ['big.bin', 'dir/', 'other.txt', 'slo.bin']);
  t.match(await swift(aio, work, 'list'), /photos/);

  await swift(aio, work, 'download', 'photos', 'big.bin', '-o', 'big.out');
  t.equal(sha(await readFile(join(work, 'big.out'))), sha(big), 'downloaded object equals the upload');
  await swift(aio, work, 'download', 'photos', 'slo.bin', '-o', 'slo.out');
  t.equal(sha(await readFile(join(work, 'slo.out'))), sha(big), 'SLO download equals the upload');
  t.match(await swift(aio, work, 'stat', 'photos', 'slo.bin'), /X-Static-Large-Object: True/i);

  await swift(aio, work, 'copy', 'photos', 'big.bin', '--destination', '/backup/big-copy.bin');
  await swift(aio, work, 'download', 'backup', 'big-copy.bin', '-o', 'copy.out');
  t.equal(sha(await readFile(join(work, 'copy.out'))), sha(big), 'copied object equals the source');

  await swift(aio, work, 'delete', 'photos', 'big.bin');
  t.notMatch(await swift(aio, work, 'list', 'photos'), /^big\.bin$/m);
  t.match(await swiftFails(aio, work, 'download', 'photos', 'big.bin', '-o', 'gone.out'), /404|Not Found/i);

  await swift(aio, work, 'delete', 'photos', 'slo.bin');
  const segments = await swift(aio, work, 'list');
  t.notMatch(segments, /photos_segments\n?.*slo/);

  // Restart: the data survives.
  const again = await aio.restart();
  await swift(again, work, 'download', 'photos', 'other.txt', '-o', 'other.out');
  t.equal(await readFile(join(work, 'other.out'), 'utf8'), 'content of other.txt');
});
