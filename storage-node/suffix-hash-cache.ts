/**
 * SuffixHashCache: suffix hashes (suffix-hashes.ts) kept in each device's LevelDB (sublevel
 * "shash", key "<part>:<suffix>"), so that a replication pass over an unchanged partition costs
 * one readdir of the partition folder and one range read, not a readdir of every object folder.
 *
 * Writes invalidate their suffix (FsObjectStore's onChange, pushed files, quarantines, reclaims).
 * An invalidation that races a computation wins: each key has an in-memory generation, and a
 * computed hash is stored only if no invalidation came in meanwhile. Entries also expire after
 * `maxAgeMs`, which bounds how long a change missed by a crash (file renamed, process killed
 * before the invalidation was stored) can stay invisible to the replicator.
 */
import { join } from 'node:path';
import { readdir } from 'node:fs/promises';
import { systemClock, type Clock, type Logger } from '../common/index.js';
import type { Devices } from './devices.js';
import { partKey, type MetaDbs, type Space } from './meta-db.js';
import { hashSuffix } from './suffix-hashes.js';

const SUFFIX_RE = /^[0-9a-f]{3}$/;

interface CachedHash {
  /** '' when the suffix holds no object file. */
  hash: string;
  atMs: number;
  /** Run (SuffixHashCache.epoch) and key generation it was computed under (absent: older format). */
  epoch?: string;
  gen?: number;
}

export interface SuffixHashCacheOptions {
  dbs: MetaDbs;
  devices: Devices;
  /** Cached hashes older than this are recomputed (ms). */
  maxAgeMs: number;
  clock?: Clock;
  log: Logger;
}

export class SuffixHashCache {
  private readonly gens = new Map<string, number>();
  /** This process's run; a stored hash names the run and generation it was computed under. */
  private readonly epoch = `${process.pid}.${Date.now()}`;
  private readonly clock: Clock;
  /** Cache hits and misses since start (metrics, tests). */
  readonly stats = { hits: 0, misses: 0 };
  private readonly listeners: Array<(device: string, partition: number) => void> = [];

  constructor(private readonly opts: SuffixHashCacheOptions) {
    this.clock = opts.clock ?? systemClock;
  }

  /**
   * Calls `fn` whenever a partition's content changed (every invalidate and dropPartition): the
   * one hook that sees client writes, pushed files, quarantines, reclaims and removed handoffs.
   */
  onChange(fn: (device: string, partition: number) => void): void {
    this.listeners.push(fn);
  }

  /** Marks a suffix changed (synchronous: callers are write paths that must not wait). */
  invalidate(device: string, partition: number, suffix: string): void {
    for (const fn of this.listeners) fn(device, partition);
    const k = `${device}:${partKey(partition)}:${suffix}`;
    this.gens.set(k, (this.gens.get(k) ?? 0) + 1);
    void this.space(device)
      .then((s) => s.del(`${partKey(partition)}:${suffix}`))
      .catch((err: unknown) => this.opts.log.warn({ err, device, partition, suffix }, 'cannot drop cached suffix hash'));
  }

  /**
   * Suffix → hash of a partition (suffixes without files are absent), optionally only `only`.
   * @throws NOT_MOUNTED
   */
  async hashes(device: string, partition: number, only?: readonly string[], recalculate = false): Promise<Map<string, string>> {
    const root = await this.opts.devices.root(device);
    const partDir = join(root, 'objects', String(partition));
    let suffixes: string[];
    if (only && only.length > 0) suffixes = only.filter((s) => SUFFIX_RE.test(s));
    else {
      try {
        suffixes = (await readdir(partDir)).filter((s) => SUFFIX_RE.test(s));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
        throw err;
      }
    }
    const space = await this.space(device);
    const pk = partKey(partition);
    const now = this.clock.nowMs();
    const out = new Map<string, string>();
    // A whole partition's cached hashes in one range read (a pass asks for every partition;
    // a get per suffix was most of an idle node's LevelDB time).
    const wholeRead = !recalculate && !(only && only.length > 0);
    const stored = new Map<string, CachedHash>(wholeRead ? await space.iterator({ gte: `${pk}:`, lt: `${pk};` }).all() : []);
    for (const suffix of suffixes.sort()) {
      const key = `${pk}:${suffix}`;
      let cached: CachedHash | undefined;
      if (wholeRead) cached = stored.get(key);
      else if (!recalculate) cached = await space.get(key);
      // The delete an invalidation issued may not have landed when this read ran: a hash stored
      // before the newest invalidation of this run is stale whatever LevelDB still says.
      if (cached && !this.current(cached, `${device}:${key}`)) cached = undefined;
      if (cached && now - cached.atMs <= this.opts.maxAgeMs) {
        this.stats.hits += 1;
        if (cached.hash) out.set(suffix, cached.hash);
        continue;
      }
      this.stats.misses += 1;
      const genKey = `${device}:${key}`;
      const gen = this.gens.get(genKey) ?? 0;
      const hash = (await hashSuffix(join(partDir, suffix))) ?? '';
      if ((this.gens.get(genKey) ?? 0) === gen) await space.put(key, { hash, atMs: now, epoch: this.epoch, gen });
      if (hash) out.set(suffix, hash);
    }
    return out;
  }

  /**
   * Whether a stored hash is still valid: computed in this run at the key's current generation,
   * or in an earlier run for a key this run never invalidated.
   */
  private current(c: CachedHash, genKey: string): boolean {
    const gen = this.gens.get(genKey) ?? 0;
    return c.epoch === this.epoch ? c.gen === gen : gen === 0;
  }

  /** Forgets every cached suffix of a partition (after a handoff partition was removed). */
  async dropPartition(device: string, partition: number): Promise<void> {
    for (const fn of this.listeners) fn(device, partition);
    const space = await this.space(device);
    const pk = partKey(partition);
    await space.clear({ gte: `${pk}:`, lt: `${pk};` });
  }

  private async space(device: string): Promise<Space<CachedHash>> {
    const { db } = await this.opts.dbs.get(device);
    return db.sublevel<string, CachedHash>('shash', { valueEncoding: 'json' }) as unknown as Space<CachedHash>;
  }
}
