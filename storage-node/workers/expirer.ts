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

/** A full walk is redone at least this often even without a change seen (ms): a safety net. */
export const EXPIRER_REWALK_MS = 3_600_000;

/** An object file of a partition that carries a delete-at still in the future. */
interface Expiring { suffix: string; hash: string; dir: string; dataName: string; dataTs: string; metaTs?: string; deleteAtMs: number }

/** What the last full walk of a partition found, and the partition's change count then. */
interface PartitionMemo { gen: number; atMs: number; expiring: Expiring[] }

export class ObjectExpirer implements Worker {
  readonly name = 'expirer';
  readonly stats: WorkerStats = newWorkerStats('expirer');
  private readonly clock: Clock;
  private readonly files: Throttle;
  private readonly pass: PartitionPass<PartitionJob>;
  /** Changes seen per "device:partition" (the suffix hash cache reports every write). */
  private readonly gens = new Map<string, number>();
  private readonly memos = new Map<string, PartitionMemo>();
  /** Object files whose metadata was read since start (tests, profiling). */
  filesRead = 0;

  constructor(private readonly opts: ObjectExpirerOptions) {
    this.clock = opts.clock ?? systemClock;
    this.files = new Throttle(opts.filesPerSec);
    this.pass = new PartitionPass(this.clock, this.stats, opts.log, 'partition expiry failed', { startPass: () => devicePartitions(opts.devices) });
    // Every write path (client writes, pushed files, reclaims, quarantines) goes through the
    // cache's invalidation, so a partition without a change since its last walk holds no new
    // delete-at: its pass only looks at the objects the walk remembered.
    opts.cache.onChange((device, partition) => {
      const k = `${device}:${partition}`;
      this.gens.set(k, (this.gens.get(k) ?? 0) + 1);
      this.memos.delete(k);
    });
  }

  async runOnce(signal: AbortSignal): Promise<WorkerResult> {
    return this.pass.run(signal, this.opts.partitionsPerRun ?? 8, (job, s) => this.expirePartition(job, s));
  }

  /**
   * Expires what is due in one partition. A partition unchanged since its last full walk (the
   * usual case on an idle node) is not walked again: reading every object's metadata every
   * minute was the expirer's whole cost, growing with the data a node holds.
   */
  private async expirePartition(job: Job, signal: AbortSignal): Promise<void> {
    const root = await this.opts.devices.root(job.device);
    const k = `${job.device}:${job.partition}`;
    const gen = this.gens.get(k) ?? 0;
    const now = this.clock.nowMs();
    const memo = this.memos.get(k);
    if (memo && memo.gen === gen && now - memo.atMs < EXPIRER_REWALK_MS) {
      for (const e of memo.expiring) {
        if (signal.aborted) return;
        if (e.deleteAtMs > now) continue;
        const found = await this.expiry(join(e.dir, e.dataName), e.dir, e.metaTs);
        if (found) await this.expireObject(job, root, e, found);
      }
      return;
    }
    const expiring: Expiring[] = [];
    for await (const { suffix, hash, dir, data, meta } of dataFolders(root, job.partition, signal)) {
      await this.files.take(1, signal);
      const found = await this.expiry(join(dir, data.name), dir, meta?.timestamp, true);
      if (!found) continue;
      const e: Expiring = { suffix, hash, dir, dataName: data.name, dataTs: data.timestamp, ...(meta ? { metaTs: meta.timestamp } : {}), deleteAtMs: found.deleteAtMs };
      if (found.deleteAtMs > now) expiring.push(e);
      else await this.expireObject(job, root, e, found);
    }
    if (!signal.aborted) this.memos.set(k, { gen, atMs: now, expiring });
  }

  /** Writes the tombstone of an object whose delete-at has passed and drops its listing row. */
  private async expireObject(job: Job, root: string, e: Expiring, found: { deleteAtMs: number; stored: StoredMeta }): Promise<void> {
    const tombstone = formatTimestamp(found.deleteAtMs);
    const newest = e.metaTs && e.metaTs > e.dataTs ? e.metaTs : e.dataTs;
    // A version written after its own delete-at (clock skew) stays hidden by reads; no tombstone can outrank it.
    if (tombstone <= newest) return;
    if (!(await receiveFile(root, job.partition, e.hash, `${tombstone}.ts`, 0, noBytes()))) return;
    this.opts.cache.invalidate(job.device, job.partition, e.suffix);
    this.stats.objectsSynced += 1;
    await this.dropListingRow(job.device, found.stored, tombstone);
  }

  /** The object's delete-at if it has passed (or any delete-at with `future`), with its stored metadata. */
  private async expiry(file: string, dir: string, metaTs: string | undefined, future = false): Promise<{ deleteAtMs: number; stored: StoredMeta } | undefined> {
    let fh;
    this.filesRead += 1;
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
      return deleteAtMs > 0 && (future || deleteAtMs <= this.clock.nowMs()) ? { deleteAtMs, stored } : undefined;
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
