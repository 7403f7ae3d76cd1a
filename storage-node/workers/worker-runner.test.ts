import t from 'tap';
import { silentLogger } from '../../common/index.js';
import { WorkerRunner } from './worker-runner.js';
import type { Worker, WorkerResult } from './worker.js';

function scripted(results: WorkerResult[], onPass?: () => void): Worker & { calls: number } {
  const w = {
    name: 'test', calls: 0,
    async runOnce(): Promise<WorkerResult> {
      w.calls++;
      onPass?.();
      const r = results.shift();
      if (r === undefined) return 'idle';
      return r;
    },
  };
  return w;
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
}

t.test('WorkerRunner repeats busy passes at once and stops on done', async (t) => {
  const w = scripted(['busy', 'busy', 'done']);
  const runner = new WorkerRunner(w, { intervalMs: 60_000, log: silentLogger(), busyPauseMs: 1 });
  runner.start();
  await until(() => w.calls >= 3);
  await runner.stop();
  t.equal(w.calls, 3);
});

t.test('WorkerRunner waits the interval when idle, runs when woken and stops promptly', async (t) => {
  const w = scripted([]);
  const runner = new WorkerRunner(w, { intervalMs: 60_000, log: silentLogger() });
  runner.start();
  await until(() => w.calls === 1);
  runner.wake();
  await until(() => w.calls === 2);
  t.equal(w.calls, 2);
  const started = Date.now();
  await runner.stop();
  t.ok(Date.now() - started < 1000, 'stop does not wait for the interval');
});

t.test('WorkerRunner survives a failing pass', async (t) => {
  let n = 0;
  const w: Worker = { name: 'flaky', async runOnce() { n++; if (n === 1) throw new Error('boom'); return 'done'; } };
  const runner = new WorkerRunner(w, { intervalMs: 5, log: silentLogger() });
  runner.start();
  await until(() => n >= 2);
  await runner.stop();
  t.equal(n, 2);
});

t.test('WorkerRunner follows an idle pass sooner when the worker asks, and at the interval otherwise', async (t) => {
  let soon: number | undefined = 20;
  const w = Object.assign(scripted([]), { idleDelayMs: () => soon });
  const runner = new WorkerRunner(w, { intervalMs: 60_000, log: silentLogger() });
  t.teardown(() => runner.stop());
  runner.start();
  await until(() => w.calls >= 3, 2000);
  t.ok(w.calls >= 3, `passes follow each other after the worker's delay (${w.calls})`);
  soon = undefined;
  await new Promise((r) => setTimeout(r, 100)); // the pass under way picks the interval
  const calls = w.calls;
  await new Promise((r) => setTimeout(r, 200));
  t.equal(w.calls, calls, 'without a delay the runner waits its interval');
});
