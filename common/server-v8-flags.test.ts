import t from 'tap';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { SERVER_EXEC_ARGV, hasServerFlags } from './server-v8-flags.js';

const run = promisify(execFile);

t.test('SERVER_EXEC_ARGV is accepted by this Node and reaches the child process', async (t) => {
  const { stdout } = await run(process.execPath, [...SERVER_EXEC_ARGV, '-e', 'console.log(JSON.stringify(process.execArgv))'], { timeout: 10_000 });
  t.same((JSON.parse(stdout) as string[]).slice(0, SERVER_EXEC_ARGV.length), [...SERVER_EXEC_ARGV]);
});

t.test('SERVER_EXEC_ARGV has no effect in NODE_OPTIONS, so it must go on the command line', async (t) => {
  // Node refuses this V8 flag in NODE_OPTIONS: the wiring has to use execArgv.
  await t.rejects(run(process.execPath, ['-e', '0'], { timeout: 10_000, env: { ...process.env, NODE_OPTIONS: SERVER_EXEC_ARGV.join(' ') } }));
});

t.test('hasServerFlags() tells whether a process was started with the flags', async (t) => {
  t.equal(hasServerFlags([...SERVER_EXEC_ARGV, '--enable-source-maps']), true);
  t.equal(hasServerFlags(['--enable-source-maps']), false);
  t.equal(hasServerFlags([]), false);
});
