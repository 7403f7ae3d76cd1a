import t, { type Test } from 'tap';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

async function run(t: Test, mode: string, signals: NodeJS.Signals[]): Promise<{ code: number | null; out: string }> {
  const child = fork(join(import.meta.dirname, 'testing', 'close-on-signals-child.ts'), [mode], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  const deadline = Date.now() + 60_000;
  while (!out.includes('ready') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  for (const s of signals) child.kill(s);
  const [code] = await once(child, 'exit') as [number | null];
  return { code, out };
}

t.test('closeOnSignals() closes once on SIGTERM then SIGINT, and exits 0', async (t) => {
  const r = await run(t, 'ok', ['SIGTERM', 'SIGINT']);
  t.equal(r.code, 0);
  t.equal(r.out.match(/closing/g)?.length, 1, 'a second signal while closing changes nothing');
});

t.test('closeOnSignals() exits 1 when closing fails', async (t) => {
  const r = await run(t, 'fail', ['SIGINT']);
  t.equal(r.code, 1);
});
