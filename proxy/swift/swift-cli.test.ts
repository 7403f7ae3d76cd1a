/**
 * Acceptance: the real python-swiftclient CLI (Debian's /usr/bin/swift) against the proxy over
 * MemoryObjectCluster, listening on 127.0.0.1:0: stat, post, upload (plain and SLO segments),
 * list with --prefix/--delimiter, download with equal checksums, copy, delete.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { buildTestApp } from '../testing/test-app.js';

const SWIFT = '/usr/bin/swift';
const PYTHON = '/usr/bin/python3';

interface Run { code: number; stdout: string; stderr: string }

t.test('the swift CLI works unmodified against the proxy', { skip: existsSync(SWIFT) ? false : 'python3-swiftclient not installed' }, async (t) => {
  const { app, cluster } = await buildTestApp();
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => app.close());
  const port = (app.server.address() as AddressInfo).port;
  const dir = t.testdir({});
  const env = { ...process.env, ST_AUTH: `http://127.0.0.1:${port}/auth/v1.0`, ST_USER: 'test:tester', ST_KEY: 'testing' };

  // execFile, not execFileSync: the server runs in this process and must keep serving.
  const swift = (args: string[], extraEnv: Record<string, string> = {}): Promise<Run> => new Promise((resolve) => {
    execFile(PYTHON, [SWIFT, ...args], { cwd: dir, env: { ...env, ...extraEnv }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
  const ok = async (args: string[]): Promise<string> => {
    const r = await swift(args);
    t.equal(r.code, 0, `swift ${args.join(' ')} succeeds${r.code ? `: ${r.stderr}` : ''}`);
    return r.stdout;
  };
  const sha = async (file: string): Promise<string> => createHash('sha256').update(await readFile(file)).digest('hex');

  t.match(await ok(['stat']), /Account: AUTH_test/);
  const bad = await swift(['stat'], { ST_KEY: 'wrong' });
  t.not(bad.code, 0, 'a wrong key is refused');

  await ok(['post', 'photos', '-m', 'color:blue']);
  t.match(await ok(['stat', 'photos']), /Meta Color: blue/);

  await mkdir(join(dir, 'dir'));
  await writeFile(join(dir, 'dir', 'small.txt'), randomBytes(1500));
  await writeFile(join(dir, 'big.bin'), randomBytes(2_621_440 + 123));
  await ok(['upload', 'photos', 'dir/small.txt']);
  await ok(['upload', 'photos', 'big.bin', '--segment-size', '1048576', '--use-slo']);
  const big = await cluster.headObject({ account: 'AUTH_test', container: 'photos', object: 'big.bin' });
  t.equal(big.metadata['x-static-large-object'], 'True', 'big.bin is stored as an SLO manifest');
  const segs = await ok(['list', 'photos_segments']);
  t.equal(segs.trim().split('\n').length, 3, 'three 1 MiB segments');

  t.same((await ok(['list', 'photos'])).trim().split('\n'), ['big.bin', 'dir/small.txt']);
  t.same((await ok(['list', 'photos', '--prefix', 'dir/'])).trim().split('\n'), ['dir/small.txt']);
  t.same((await ok(['list', 'photos', '--delimiter', '/'])).trim().split('\n'), ['big.bin', 'dir/']);
  t.match(await ok(['list']), /photos/);

  await ok(['download', 'photos', 'big.bin', '-o', 'big.out']);
  t.equal(await sha(join(dir, 'big.out')), await sha(join(dir, 'big.bin')), 'SLO download equals the upload');
  await ok(['download', 'photos', 'dir/small.txt', '-o', 'small.out']);
  t.equal(await sha(join(dir, 'small.out')), await sha(join(dir, 'dir', 'small.txt')));
  t.match(await ok(['stat', 'photos', 'big.bin']), /Content Length: 2621563/);

  await writeFile(join(dir, 'dlo.bin'), randomBytes(1_048_576 + 5000));
  await ok(['upload', 'photos', 'dlo.bin', '--segment-size', '1048576']);
  const dlo = await cluster.headObject({ account: 'AUTH_test', container: 'photos', object: 'dlo.bin' });
  t.match(dlo.metadata['x-object-manifest'], /^photos_segments\//, 'without --use-slo the client makes a DLO');
  await ok(['download', 'photos', 'dlo.bin', '-o', 'dlo.out']);
  t.equal(await sha(join(dir, 'dlo.out')), await sha(join(dir, 'dlo.bin')), 'DLO download equals the upload');
  await ok(['delete', 'photos', 'dlo.bin']);

  await ok(['post', 'photos', '-r', '.r:*,.rlistings']);
  const anon = await fetch(`http://127.0.0.1:${port}/v1/AUTH_test/photos/dir/small.txt`);
  t.equal(anon.status, 200, 'a public container is readable without a token');
  t.equal(createHash('sha256').update(Buffer.from(await anon.arrayBuffer())).digest('hex'), await sha(join(dir, 'dir', 'small.txt')));

  await ok(['copy', 'photos', 'dir/small.txt', '--destination', '/photos/copied.txt']);
  await ok(['download', 'photos', 'copied.txt', '-o', 'copied.out']);
  t.equal(await sha(join(dir, 'copied.out')), await sha(join(dir, 'dir', 'small.txt')));

  await ok(['delete', 'photos', 'big.bin']);
  t.equal((await ok(['list', 'photos_segments'])).trim(), '', 'deleting the SLO deleted its segments');
  await ok(['delete', 'photos']);
  const gone = await swift(['stat', 'photos']);
  t.not(gone.code, 0, 'the container is gone');
});
