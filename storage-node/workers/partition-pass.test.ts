import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger, systemClock } from '../../common/index.js';
import { PartitionPass } from './partition-pass.js';
import { newWorkerStats } from './worker-stats.js';

interface Job { partition: number }

function pass(jobs: number) {
  const stats = newWorkerStats('test');
  let passes = 0;
  const p = new PartitionPass<Job>(systemClock, stats, silentLogger(), 'failed', {
    startPass: async () => { passes += 1; return Array.from({ length: jobs }, (_, partition) => ({ partition })); },
  });
  return { p, stats, passes: () => passes };
}

t.test('PartitionPass.run() works on `concurrency` jobs at once and visits at most perRun', async (t) => {
  const { p, stats } = pass(10);
  let running = 0;
  let most = 0;
  const seen: number[] = [];
  const visit = async (job: Job): Promise<void> => {
    running += 1;
    most = Math.max(most, running);
    await sleep(20);
    seen.push(job.partition);
    running -= 1;
  };
  t.equal(await p.run(new AbortController().signal, 6, visit, 3), 'busy', 'jobs are left after the first run');
  t.equal(most, 3, 'three jobs ran at once');
  t.same(seen.sort((a, b) => a - b), [0, 1, 2, 3, 4, 5], 'exactly perRun jobs, in order');
  t.equal(await p.run(new AbortController().signal, 6, visit, 3), 'idle', 'the pass ends with the rest');
  t.equal(seen.length, 10, 'every job visited once');
  t.equal(stats.passes, 1);
});

t.test('PartitionPass.run() counts a failed job and goes on with the others', async (t) => {
  const { p, stats } = pass(4);
  const seen: number[] = [];
  const result = await p.run(new AbortController().signal, 10, async (job) => {
    if (job.partition === 1) throw new Error('disk gone');
    seen.push(job.partition);
  }, 2);
  t.equal(result, 'idle');
  t.equal(stats.failures, 1, 'the failure is counted');
  t.same(seen.sort(), [0, 2, 3], 'the other jobs ran');
});

t.test('PartitionPass.restart() stops the lanes and starts a new pass at the next run', async (t) => {
  const { p, passes } = pass(8);
  let visits = 0;
  const r = await p.run(new AbortController().signal, 8, async () => {
    visits += 1;
    if (visits === 2) p.restart();
    await sleep(5);
  }, 2);
  t.equal(r, 'busy', 'an interrupted pass is not finished');
  t.ok(visits < 8, `the lanes stopped early (${visits} visits)`);
  await p.run(new AbortController().signal, 100, async () => undefined, 2);
  t.equal(passes(), 2, 'a new job list was taken');
});
