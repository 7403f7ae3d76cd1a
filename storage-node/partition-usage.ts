/**
 * PartitionUsageCache: bytes and files of every object partition on a node's devices, cheap
 * enough for a status polled every second. Each partition's usage is computed by walking its
 * folders once and kept until something changes it: the suffix hash cache's change hook (client
 * writes, pushed files, quarantines, reclaims, removed handoffs) marks the partition dirty. A
 * status call then costs one readdir of `<device>/objects` and a walk of the dirty or unknown
 * partitions only. Entries also expire after `maxAgeMs`, which bounds how long a change made
 * behind the node's back (a file removed by hand) stays invisible.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Devices } from './devices.js';
import { listPartitions } from './suffix-hashes.js';
import { HASH_RE, SUFFIX_RE, OBJECT_FILE_RE } from './replica-files.js';

export interface Usage {
  /** Sum of the sizes of the object files (.data, .meta, .ts). */
  bytes: number;
  /** Number of object files. */
  files: number;
}

interface Entry extends Usage { gen: number; atMs: number }

/** Old (not dirty) partitions walked again per usage() call. */
const AGED_WALKS_PER_CALL = 8;
/** Partition walks in flight per refresh. */
const WALKS_AT_ONCE = 4;

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return []; // gone meanwhile (a removed handoff): nothing there
  }
}

/** Walks one partition folder and sums its object files. */
export async function walkPartition(root: string, partition: number): Promise<Usage> {
  const out: Usage = { bytes: 0, files: 0 };
  const partDir = join(root, 'objects', String(partition));
  for (const suffix of await list(partDir)) {
    if (!SUFFIX_RE.test(suffix)) continue;
    for (const hash of await list(join(partDir, suffix))) {
      if (!HASH_RE.test(hash)) continue;
      const dir = join(partDir, suffix, hash);
      for (const name of await list(dir)) {
        if (!OBJECT_FILE_RE.test(name)) continue;
        const st = await stat(join(dir, name)).catch(() => undefined);
        if (!st) continue;
        out.bytes += st.size;
        out.files += 1;
      }
    }
  }
  return out;
}

export class PartitionUsageCache {
  private readonly entries = new Map<string, Entry>();
  private readonly gens = new Map<string, number>();
  /** One refresh per device at a time; concurrent callers share it. */
  private readonly refreshing = new Map<string, Promise<Map<number, Usage>>>();
  /** Partitions walked since start (tests check that a status reuses the cache). */
  walks = 0;

  /** @param maxAgeMs entries older than this are walked again */
  constructor(private readonly devices: Devices, private readonly maxAgeMs = 600_000) {}

  /** The partition changed: walk it again at the next call (synchronous, for write paths). */
  markDirty(device: string, partition: number): void {
    const k = `${device}:${partition}`;
    this.gens.set(k, (this.gens.get(k) ?? 0) + 1);
  }

  /**
   * Usage of every object partition on a device that holds at least one file.
   * @throws NOT_MOUNTED
   */
  usage(device: string): Promise<Map<number, Usage>> {
    let p = this.refreshing.get(device);
    if (!p) {
      p = this.refresh(device).finally(() => this.refreshing.delete(device));
      this.refreshing.set(device, p);
    }
    return p;
  }

  private async refresh(device: string): Promise<Map<number, Usage>> {
    const root = await this.devices.root(device);
    const out = new Map<number, Usage>();
    const present = new Set<string>();
    const now = Date.now();
    // Entries that are merely old are refreshed a few per call, so that they never expire all at
    // once and turn one status call into a walk of the whole device.
    let agedWalks = 0;
    const stale: Array<{ partition: number; k: string; gen: number }> = [];
    const partitions = await listPartitions(root);
    for (const partition of partitions) {
      const k = `${device}:${partition}`;
      present.add(k);
      const gen = this.gens.get(k) ?? 0;
      const e = this.entries.get(k);
      const aged = e !== undefined && e.gen === gen && now - e.atMs > this.maxAgeMs && agedWalks < AGED_WALKS_PER_CALL;
      if (aged) agedWalks += 1;
      if (!e || e.gen !== gen || aged) stale.push({ partition, k, gen });
    }
    // Walks are file-system latency, not CPU: several at once keep libuv's threads busy, which
    // keeps a status answered in time on a node whose partitions all changed under writes.
    let next = 0;
    const walker = async (): Promise<void> => {
      while (next < stale.length) {
        const { partition, k, gen } = stale[next++]!;
        const u = await walkPartition(root, partition);
        this.walks += 1;
        // A change during the walk leaves the generation moved on: the next call walks again.
        this.entries.set(k, { ...u, gen, atMs: now });
      }
    };
    await Promise.all(Array.from({ length: Math.min(WALKS_AT_ONCE, stale.length) }, walker));
    for (const partition of partitions) {
      const e = this.entries.get(`${device}:${partition}`);
      if (e && e.files > 0) out.set(partition, { bytes: e.bytes, files: e.files });
    }
    for (const k of this.entries.keys()) if (k.startsWith(`${device}:`) && !present.has(k)) this.entries.delete(k);
    return out;
  }
}
