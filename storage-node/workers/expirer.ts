/**
 * ObjectExpirer: removes objects whose X-Delete-At has passed. Reads already treat them as
 * missing; the expirer frees their space and drops them from listings. For each expired object
 * it writes a tombstone stamped with the delete-at time itself (every replica's expirer writes
 * the same file, so suffix hashes agree and a PUT made after that time still wins), and sends a
 * deleted row to the container's replicas (journalled when one is down, like any update). The
 * object's name comes from its .data footer. Each runOnce() handles a bounded number of
 * partitions.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock, formatTimestamp, type Clock, type Logger } from '../../common/index.js';
import type { Ring } from '../../ring/index.js';
import type { Devices } from '../devices.js';
import type { SuffixHashCache } from '../suffix-hash-cache.js';
import type { ListingUpdates } from '../listing-updates.js';
import { readStoredMeta, type StoredMeta } from '../object-file.js';
import { readMetaFile } from '../object-version.js';
import { dataFolders, receiveFile } from '../replica-files.js';
import { Throttle } from './throttle.js';
import { PartitionPass, devicePartitions, type PartitionJob } from './partition-pass.js';
import { newWorkerStats, type WorkerStats } from './worker-stats.js';
import type { Worker, WorkerResult } from './worker.js';

export interface ObjectExpirerOptions {
  devices: Devices;
  cache: SuffixHashCache;
  /** The container ring, to find the replicas of an expired object's listing. */
  containerRing: () => Ring | undefined;
  updates: Pick<ListingUpdates, 'deliverRows'>;
  /** Object files checked per second; 0: unlimited. */
  filesPerSec: number;
  partitionsPerRun?: number;
  log: Logger;
  clock?: Clock;
}

type Job = PartitionJob;

export class ObjectExpirer implements Worker {
  readonly name = 'expirer';
  readonly stats: WorkerStats = newWorkerStats('expirer');
  private readonly clock: Clock;
  private readonly files: Throttle;
  private readonly pass: PartitionPass<PartitionJob>;

  constructor(private readonly opts: ObjectExpirerOptions) {
    this.clock = opts.clock ?? systemClock;
    this.files = new Throttle(opts.filesPerSec);
    this.pass = new PartitionPass(this.clock, this.stats, opts.log, 'partition expiry failed', { startPass: () => devicePartitions(opts.devices) });
  }

  async runOnce(signal: AbortSignal): Promise<WorkerResult> {
    return this.pass.run(signal, this.opts.partitionsPerRun ?? 8, (job, s) => this.expirePartition(job, s));
  }

  private async expirePartition(job: Job, signal: AbortSignal): Promise<void> {
    const root = await this.opts.devices.root(job.device);
    for await (const { suffix, hash, dir, data, meta } of dataFolders(root, job.partition, signal)) {
      await this.files.take(1, signal);
      const found = await this.expiry(join(dir, data.name), dir, meta?.timestamp);
      if (!found) continue;
      const { deleteAtMs, stored } = found;
      const tombstone = formatTimestamp(deleteAtMs);
      const newest = meta && meta.timestamp > data.timestamp ? meta.timestamp : data.timestamp;
      // A version written after its own delete-at (clock skew) stays hidden by reads; no tombstone can outrank it.
      if (tombstone <= newest) continue;
      if (!(await receiveFile(root, job.partition, hash, `${tombstone}.ts`, 0, noBytes()))) continue;
      this.opts.cache.invalidate(job.device, job.partition, suffix);
      this.stats.objectsSynced += 1;
      await this.dropListingRow(job.device, stored, tombstone);
    }
  }

  /** The object's delete-at if it has passed, with its stored metadata. */
  private async expiry(file: string, dir: string, metaTs: string | undefined): Promise<{ deleteAtMs: number; stored: StoredMeta } | undefined> {
    let fh;
    try {
      fh = await open(file, 'r');
    } catch {
      return undefined;
    }
    try {
      const stored = await readStoredMeta(fh, file);
      let deleteAtMs = stored.deleteAtMs;
      if (metaTs) {
        const m = await readMetaFile(dir, metaTs);
        if (m.deleteAtMs >= 0) deleteAtMs = m.deleteAtMs;
      }
      return deleteAtMs > 0 && deleteAtMs <= this.clock.nowMs() ? { deleteAtMs, stored } : undefined;
    } catch {
      return undefined; // unreadable: the auditor's business
    } finally {
      await fh.close();
    }
  }

  private async dropListingRow(device: string, stored: StoredMeta, timestamp: string): Promise<void> {
    const ring = this.opts.containerRing();
    const m = stored.path ? /^\/([^/]+)\/([^/]+)\/(.+)$/s.exec(stored.path) : null;
    if (!ring || !m) return;
    const [, account, container, object] = m as unknown as [string, string, string, string];
    const partition = ring.partOf(`/${account}/${container}`);
    const targets = ring.primaries(partition).map((d) => ({ ip: d.ip, port: d.port, device: d.device, partition }));
    await this.opts.updates.deliverRows(device, targets, account, container, [{ name: object, size: 0, etag: '', contentType: '', timestamp, deleted: true }]);
  }
}

async function* noBytes(): AsyncGenerator<Uint8Array> {
  // A tombstone is an empty file.
}
