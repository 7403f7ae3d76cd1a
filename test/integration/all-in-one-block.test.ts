/**
 * The all-in-one serves block volumes: `strata volume` finds the running all-in-one without
 * flags, qemu-io writes and reads a pattern over NBD, and errors come back as one line with a
 * non-zero exit code.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile } from 'node:fs/promises';
import { SERVER_EXEC_ARGV } from '../../common/index.js';
import { startAllInOne, STRATA_ENTRY } from './all-in-one.js';

const run = promisify(execFile);

t.test('a volume of the all-in-one is written and read by qemu-io over NBD', async (t) => {
  const aio = await startAllInOne(t);
  for (const name of ['proxy', 'n1', 'block-gateway']) {
    const argv = (await readFile(`/proc/${await aio.pidOf(name)}/cmdline`, 'utf8')).split('\0');
    t.same(argv.slice(1, 1 + SERVER_EXEC_ARGV.length), [...SERVER_EXEC_ARGV], `${name} runs with the server V8 flags`);
  }
  const strata = (...args: string[]) => run(process.execPath, [STRATA_ENTRY, ...args], { env: aio.env, timeout: 60_000 });

  const created = await strata('volume', 'create', 'disk1', '--size', '32M');
  t.match(created.stdout, /disk1/);
  const uri = `nbd://127.0.0.1:${aio.blockPort}/disk1`;
  const io = await run('qemu-io', ['-f', 'raw', '-c', 'write -P 0x5a 4096 65536', '-c', 'read -P 0x5a 4096 65536', '-c', 'read -P 0 1048576 4096', uri], { timeout: 60_000 });
  t.notMatch(io.stdout + io.stderr, /Pattern verification failed|error/i, 'the pattern reads back and unwritten space reads as zeros');

  const again = await strata('volume', 'create', 'disk1', '--size', '32M').then(() => undefined, (err: { code: number; stderr: string }) => err);
  t.ok(again, 'creating the same volume twice fails');
  t.not(again?.code, 0);
  t.equal(again?.stderr.trim().split('\n').length, 1, 'the error is one line');

  const badStart = await run(process.execPath, [STRATA_ENTRY, 'start', '--proxy-port', 'eighty'], { env: aio.env }).then(() => undefined, (err: { code: number; stderr: string }) => err);
  t.equal(badStart?.code, 2, 'a bad flag exits 2');
  t.match(badStart?.stderr ?? '', /--proxy-port "eighty"/);
});
