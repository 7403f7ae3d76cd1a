/**
 * The updater: retries journalled container updates (object rows a container replica did not
 * take) and sends dirty container stats to account replicas, per device. A pass handles at most
 * `batchSize` entries per device; a target that fails is skipped for the rest of the pass so a
 * dead node costs one timeout per pass, not one per entry. Entries older than `maxAgeMs` are
 * dropped with a warning (the replicator repairs what they carried).
 */
import type { Logger } from '../../common/index.js';
import type { MetaDbs } from '../meta-db.js';
import type { ListingUpdates } from '../listing-updates.js';
import type { Worker, WorkerResult } from './worker.js';

export interface UpdaterOptions {
  dbs: MetaDbs;
  updates: ListingUpdates;
  log: Logger;
  batchSize?: number;
  maxAgeMs?: number;
  nowMs?: () => number;
}

export interface UpdaterStats { sent: number; failed: number; dropped: number; statsSent: number }

export class UpdaterWorker implements Worker {
  readonly name = 'updater';
  readonly stats: UpdaterStats = { sent: 0, failed: 0, dropped: 0, statsSent: 0 };
  private readonly batchSize: number;
  private readonly maxAgeMs: number;
  private readonly nowMs: () => number;

  constructor(private readonly opts: UpdaterOptions) {
    this.batchSize = opts.batchSize ?? 500;
    this.maxAgeMs = opts.maxAgeMs ?? 7 * 24 * 3600_000;
    this.nowMs = opts.nowMs ?? Date.now;
  }

  async runOnce(signal: AbortSignal): Promise<WorkerResult> {
    let busy = false;
    for (const device of this.opts.dbs.openDevices()) {
      if (signal.aborted) break;
      try {
        if (await this.runJournal(device, signal)) busy = true;
        if (await this.runDirty(device, signal)) busy = true;
      } catch (err) {
        this.opts.log.warn({ err, device }, 'updater pass on device failed');
      }
    }
    return busy ? 'busy' : 'idle';
  }

  /** Number of journalled updates waiting on a device (for metrics). */
  async journalDepth(device: string): Promise<number> {
    const d = await this.opts.dbs.get(device);
    let n = 0;
    for await (const _ of d.journal.keys({ limit: 100_000 })) n++;
    return n;
  }

  /** Returns true when it delivered something and more entries remain. */
  private async runJournal(device: string, signal: AbortSignal): Promise<boolean> {
    const d = await this.opts.dbs.get(device);
    const entries = await d.journal.iterator({ limit: this.batchSize }).all();
    const down = new Set<string>();
    let delivered = 0;
    for (const [key, entry] of entries) {
      if (signal.aborted) break;
      const addr = `${entry.target.ip}:${entry.target.port}/${entry.target.device}`;
      if (this.nowMs() - entry.firstMs > this.maxAgeMs) {
        this.opts.log.warn({ device, account: entry.account, container: entry.container }, 'dropping a container update older than the journal age limit');
        await d.journal.del(key);
        this.stats.dropped++;
        continue;
      }
      if (down.has(addr)) continue;
      try {
        await this.opts.updates.sendRows(entry.target, entry.account, entry.container, entry.rows);
        await d.journal.del(key);
        this.stats.sent++;
        delivered++;
      } catch {
        down.add(addr);
        this.stats.failed++;
      }
    }
    return delivered > 0 && entries.length === this.batchSize;
  }

  private async runDirty(device: string, signal: AbortSignal): Promise<boolean> {
    const d = await this.opts.dbs.get(device);
    const keys = await d.dirty.keys({ limit: this.batchSize }).all();
    let cleared = 0;
    for (const key of keys) {
      if (signal.aborted) break;
      if (await this.opts.updates.sendAccountStats(device, key)) {
        cleared++;
        this.stats.statsSent++;
      }
    }
    return cleared > 0 && keys.length === this.batchSize;
  }
}
