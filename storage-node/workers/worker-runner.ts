/**
 * Runs a Worker in a loop: again at once while it is busy (after yielding to client traffic),
 * after `intervalMs` when idle or after a failure (or sooner when the worker asks, see
 * Worker.idleDelayMs), at once when woken, until stopped.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../common/index.js';
import type { Worker } from './worker.js';

export interface WorkerRunnerOptions {
  intervalMs: number;
  log: Logger;
  /** Pause between busy passes (ms), so a backlog never starves requests. */
  busyPauseMs?: number;
}

export class WorkerRunner {
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  /** Passes completed (for tests and metrics). */
  passes = 0;
  lastPassMs = 0;

  constructor(private readonly worker: Worker, private readonly opts: WorkerRunnerOptions) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Runs a pass soon instead of waiting for the interval. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Stops after the current pass. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.wakeUp?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { signal } = this.abort;
    const log = this.opts.log.child({ worker: this.worker.name });
    while (!signal.aborted) {
      this.woken = false;
      let result: 'busy' | 'idle' | 'done' = 'idle';
      const started = performance.now();
      try {
        result = await this.worker.runOnce(signal);
      } catch (err) {
        log.error({ err }, 'worker pass failed');
      }
      this.passes += 1;
      this.lastPassMs = performance.now() - started;
      if (result === 'done') break;
      if (result === 'busy') {
        await sleep(this.opts.busyPauseMs ?? 10);
        continue;
      }
      if (this.woken) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(this.opts.intervalMs, this.worker.idleDelayMs?.() ?? Infinity));
        function done() { clearTimeout(timer); resolve(); }
        this.wakeUp = done;
      });
      this.wakeUp = undefined;
    }
  }
}
