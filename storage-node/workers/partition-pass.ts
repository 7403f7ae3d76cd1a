/**
 * PartitionPass: the loop shared by the workers that visit partitions (replicator, listing
 * replicator, auditor, expirer). A pass takes its job list once, each runOnce() visits a bounded
 * number of jobs, and the pass's end is recorded in the worker's stats. A failing job is logged
 * and counted, never ends the pass.
 */
import type { Clock, Logger } from '../../common/index.js';
import type { Devices } from '../devices.js';
import { listPartitions } from '../suffix-hashes.js';
import type { WorkerStats } from './worker-stats.js';
import type { WorkerResult } from './worker.js';

export interface PartitionJob { device: string; partition: number }

/** Every object partition of every mounted device: the job list of object-walking workers. */
export async function devicePartitions(devices: Devices): Promise<PartitionJob[]> {
  const jobs: PartitionJob[] = [];
  for (const d of devices.list) {
    const root = await devices.root(d.name).catch(() => undefined);
    if (root) for (const partition of await listPartitions(root)) jobs.push({ device: d.name, partition });
  }
  return jobs;
}

export interface PassHooks<J> {
  /** Called when a pass begins: resets per-pass state and returns the pass's jobs. */
  startPass(): Promise<J[]>;
  /** Called when a pass has visited every job (after the stats are updated). */
  endPass?(): void;
}

export class PartitionPass<J extends object> {
  private queue: J[] = [];
  private passStartMs = 0;
  private restartPending = false;

  /** @param failureMessage logged with the error and the job when a job fails */
  constructor(
    private readonly clock: Clock,
    private readonly stats: WorkerStats,
    private readonly log: Logger,
    private readonly failureMessage: string,
    private readonly hooks: PassHooks<J>,
  ) {}

  /**
   * Drops the rest of the pass in progress: the next run() starts a new pass (with a new job
   * list and order), e.g. after a ring change. The unfinished pass is not counted as a pass.
   */
  restart(): void {
    this.restartPending = true;
  }

  /**
   * Visits up to `perRun` jobs, `concurrency` at a time (jobs are independent partitions; their
   * cost is mostly round trips to peers and fsyncs, which overlap well); 'busy' while the pass
   * has more, 'idle' once it ended.
   */
  async run(signal: AbortSignal, perRun: number, visit: (job: J, signal: AbortSignal) => Promise<void>, concurrency = 1): Promise<WorkerResult> {
    if (this.queue.length === 0 || this.restartPending) {
      this.restartPending = false;
      this.passStartMs = this.clock.nowMs();
      this.queue = await this.hooks.startPass();
    }
    let started = 0;
    const lane = async (): Promise<void> => {
      while (started < perRun && this.queue.length > 0 && !signal.aborted && !this.restartPending) {
        started += 1;
        const job = this.queue.shift()!;
        try {
          await visit(job, signal);
        } catch (err) {
          this.stats.failures += 1;
          this.log.warn({ err, ...(job as Record<string, unknown>) }, this.failureMessage);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
    if (this.restartPending) return 'busy';
    if (this.queue.length > 0) return 'busy';
    this.stats.passes += 1;
    this.stats.lastPassEndMs = this.clock.nowMs();
    this.stats.lastPassDurationMs = this.stats.lastPassEndMs - this.passStartMs;
    this.hooks.endPass?.();
    return 'idle';
  }
}
