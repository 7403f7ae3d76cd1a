/**
 * PartitionPass: the loop shared by the workers that visit every partition of every local
 * device (auditor, expirer). A pass queues all partitions, each runOnce() visits a bounded
 * number of them, and the pass's end is recorded in the worker's stats. A failing partition is
 * logged and counted, never ends the pass.
 */
import type { Clock, Logger } from '../../common/index.js';
import type { Devices } from '../devices.js';
import { listPartitions } from '../suffix-hashes.js';
import type { WorkerStats } from './worker-stats.js';
import type { WorkerResult } from './worker.js';

export interface PartitionJob { device: string; partition: number }

export class PartitionPass {
  private queue: PartitionJob[] = [];
  private passStartMs = 0;

  /** @param failureMessage logged with the error and the job when a partition fails */
  constructor(
    private readonly devices: Devices,
    private readonly clock: Clock,
    private readonly stats: WorkerStats,
    private readonly log: Logger,
    private readonly failureMessage: string,
  ) {}

  /** Visits up to `perRun` partitions; 'busy' while the pass has more, 'idle' once it ended. */
  async run(signal: AbortSignal, perRun: number, visit: (job: PartitionJob, signal: AbortSignal) => Promise<void>): Promise<WorkerResult> {
    if (this.queue.length === 0) {
      this.passStartMs = this.clock.nowMs();
      for (const d of this.devices.list) {
        const root = await this.devices.root(d.name).catch(() => undefined);
        if (root) for (const partition of await listPartitions(root)) this.queue.push({ device: d.name, partition });
      }
    }
    for (let n = 0; n < perRun && this.queue.length > 0 && !signal.aborted; n++) {
      const job = this.queue.shift()!;
      try {
        await visit(job, signal);
      } catch (err) {
        this.stats.failures += 1;
        this.log.warn({ err, ...job }, this.failureMessage);
      }
    }
    if (this.queue.length > 0) return 'busy';
    this.stats.passes += 1;
    this.stats.lastPassEndMs = this.clock.nowMs();
    this.stats.lastPassDurationMs = this.stats.lastPassEndMs - this.passStartMs;
    return 'idle';
  }
}
