/**
 * ObjectAuditor: walks every object on this node's devices at a limited rate (bytes/s and
 * files/s, so it never takes the disk from clients), re-reads the newest .data of each object
 * and checks its footer, size, MD5 ETag and xxhash64 checksum, and parses a newer .meta. A
 * corrupt file is quarantined (quarantine.ts) and its suffix hash invalidated, so the next
 * replicator pass of a healthy replica pushes a good copy back. Each runOnce() audits a bounded
 * number of partitions and answers 'busy' while the pass has more.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock, type Clock, type Logger } from '../../common/index.js';
import type { Devices } from '../devices.js';
import type { SuffixHashCache } from '../suffix-hash-cache.js';
import { readStoredMeta, type StoredMeta } from '../object-file.js';
import { ContentDigester, initChecksums } from '../checksum.js';
import { readMetaFile } from '../object-version.js';
import { dataFolders } from '../replica-files.js';
import { quarantineFile } from '../quarantine.js';
import { Throttle } from './throttle.js';
import { PartitionPass, devicePartitions, type PartitionJob } from './partition-pass.js';
import { newWorkerStats, type WorkerStats } from './worker-stats.js';
import type { Worker, WorkerResult } from './worker.js';

export interface ObjectAuditorOptions {
  devices: Devices;
  cache: SuffixHashCache;
  /** 0: unlimited. */
  bytesPerSec: number;
  /** 0: unlimited. */
  filesPerSec: number;
  partitionsPerRun?: number;
  log: Logger;
  clock?: Clock;
}

type Job = PartitionJob;

const READ_BYTES = 64 * 1024;

export class ObjectAuditor implements Worker {
  readonly name = 'auditor';
  readonly stats: WorkerStats = newWorkerStats('auditor');
  private readonly bytes: Throttle;
  private readonly files: Throttle;
  private readonly clock: Clock;
  private readonly pass: PartitionPass<PartitionJob>;

  constructor(private readonly opts: ObjectAuditorOptions) {
    this.bytes = new Throttle(opts.bytesPerSec);
    this.files = new Throttle(opts.filesPerSec);
    this.clock = opts.clock ?? systemClock;
    this.pass = new PartitionPass(this.clock, this.stats, opts.log, 'partition audit failed', { startPass: () => devicePartitions(opts.devices) });
  }

  async runOnce(signal: AbortSignal): Promise<WorkerResult> {
    await initChecksums();
    return this.pass.run(signal, this.opts.partitionsPerRun ?? 4, (job, s) => this.auditPartition(job, s));
  }

  private async auditPartition(job: Job, signal: AbortSignal): Promise<void> {
    const root = await this.opts.devices.root(job.device);
    for await (const { suffix, hash, dir, data, meta } of dataFolders(root, job.partition, signal)) {
      await this.files.take(1, signal);
      const problem = await this.checkData(join(dir, data.name), signal);
      this.stats.objectsSynced += 1;
      let bad: string | undefined;
      if (problem) bad = data.name;
      else if (meta) {
        try {
          await readMetaFile(dir, meta.timestamp);
        } catch {
          bad = meta.name;
        }
      }
      if (bad && (await quarantineFile(root, job.partition, hash, bad))) {
        this.stats.quarantined += 1;
        this.opts.cache.invalidate(job.device, job.partition, suffix);
        this.opts.log.error({ device: job.device, partition: job.partition, hash, file: bad, problem: problem ?? 'bad metadata' }, 'corrupt object file quarantined');
      }
    }
  }

  /** Reads a .data file through; returns what is wrong with it, or undefined when it is sound. */
  private async checkData(path: string, signal: AbortSignal): Promise<string | undefined> {
    let fh;
    try {
      fh = await open(path, 'r');
    } catch {
      return undefined; // replaced meanwhile
    }
    try {
      let meta: StoredMeta;
      try {
        meta = await readStoredMeta(fh, path);
      } catch (err) {
        return (err as Error).message;
      }
      const digester = new ContentDigester();
      const buf = Buffer.allocUnsafe(READ_BYTES);
      for (let pos = 0; pos < meta.size;) {
        if (signal.aborted) return undefined;
        const want = Math.min(READ_BYTES, meta.size - pos);
        const { bytesRead } = await fh.read(buf, 0, want, pos);
        if (bytesRead === 0) return 'file shorter than its metadata';
        digester.update(buf.subarray(0, bytesRead));
        pos += bytesRead;
        await this.bytes.take(bytesRead, signal);
      }
      const d = digester.digest();
      if (d.checksum !== meta.checksum) return `checksum "${d.checksum}" is not the stored "${meta.checksum}"`;
      if (d.etag !== meta.etag) return `ETag "${d.etag}" is not the stored "${meta.etag}"`;
      return undefined;
    } finally {
      await fh.close();
    }
  }
}
