/**
 * NodeRings: the rings a storage node uses (account, container, object, block), each kept
 * current by a RingWatcher on `<ringDir>/<name>.ring.gz`, and the node's side of ring
 * distribution: a pushed ring file is checked, written atomically into the ring folder and
 * loaded at once; a fetched ring is the file in use. Several nodes may share one ring folder
 * (the all-in-one): writing the same bytes again is skipped, and a rename over the file by
 * another node is just a reload for this one.
 *
 * It also remembers, per ring, the ring in use before the last reload that changed the
 * version: the replicators use it to tell data moving to a new place from repairs.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreError, writeFileAtomic, type Logger } from '../common/index.js';
import { RingWatcher, decodeRing, ringFilePath, type Ring, type RingData } from '../ring/index.js';
import type { RingName, PushRingResponseMsg, GetRingResponseMsg } from '../cluster/index.js';

export const RING_NAMES: readonly RingName[] = ['account', 'container', 'object', 'block'];

/** Polls of the watcher after a push before giving up on seeing the new version (bounded). */
const RELOAD_ATTEMPTS = 40;
const RELOAD_PAUSE_MS = 25;

export interface NodeRingsOptions {
  ringDir: string;
  log: Logger;
  /** Poll interval of the watchers (ms). */
  intervalMs?: number;
}

export function isRingName(name: unknown): name is RingName {
  return typeof name === 'string' && (RING_NAMES as readonly string[]).includes(name);
}

export class NodeRings {
  private readonly watchers = new Map<RingName, RingWatcher>();
  private readonly previous = new Map<RingName, Ring>();
  private readonly listeners: Array<(name: RingName, ring: Ring) => void> = [];
  /** Pushes run one at a time: two at once could each decide the other's file is older. */
  private pushes: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Secret the node's path hashes use; a pushed object ring must match it. */
  pathHashSecret: string | undefined;

  constructor(private readonly opts: NodeRingsOptions) {}

  /** Loads every ring file present; a missing or unreadable one is skipped (logged). */
  async start(): Promise<void> {
    for (const name of RING_NAMES) {
      try {
        await this.watch(name);
      } catch (err) {
        if ((err as StoreError).code !== 'NOT_FOUND') this.opts.log.warn({ err, ring: name }, 'cannot load ring; partitions of it are not checked');
      }
    }
  }

  /** The ring in use, if the node has one of that name. */
  get(name: RingName): Ring | undefined {
    return this.watchers.get(name)?.ring;
  }

  /** The ring in use before the last reload that changed the version (this process only). */
  previousOf(name: RingName): Ring | undefined {
    return this.previous.get(name);
  }

  /** Ring name → version in use. */
  versions(): Record<string, number> {
    return Object.fromEntries([...this.watchers].map(([name, w]) => [name, w.ring.version]));
  }

  /** Calls `fn` after each load of a new version (a push, or a file changed by someone else). */
  onReload(fn: (name: RingName, ring: Ring) => void): void {
    this.listeners.push(fn);
  }

  /**
   * Checks a ring file and makes it the one in use (see the class comment).
   * @throws INVALID_ARGUMENT (unknown name), CORRUPT (bad file), CONFLICT (other hash secret or
   * part power), STALE (older than the ring in use, without force), NO_SPACE
   */
  push(name: unknown, data: Buffer, force: boolean): Promise<PushRingResponseMsg> {
    const run = this.pushes.catch(() => undefined).then(() => this.pushNow(name, data, force));
    this.pushes = run;
    return run;
  }

  /** The ring file in use. @throws NOT_FOUND (no such ring), INVALID_ARGUMENT (unknown name) */
  async file(name: unknown): Promise<GetRingResponseMsg> {
    if (!isRingName(name)) throw new StoreError('INVALID_ARGUMENT', `Cannot get ring "${String(name)}": not one of ${RING_NAMES.join(', ')}`);
    const w = this.watchers.get(name);
    if (!w) throw new StoreError('NOT_FOUND', `Cannot get ring "${name}": this node has none`);
    // The file may have been replaced since it was loaded: bring the watcher up to date, then
    // answer the file only when it is the version in use.
    for (let i = 0; i < 3; i++) {
      const data = await readFile(ringFilePath(this.opts.ringDir, name)).catch(() => undefined);
      const version = data ? await decodeRing(data).then((d) => d.version, () => undefined) : undefined;
      if (data && version === w.ring.version) return { name, version, data };
      await w.check();
    }
    throw new StoreError('NOT_FOUND', `Cannot get ring "${name}": the file in "${this.opts.ringDir}" is not the ring in use (version ${w.ring.version})`);
  }

  close(): void {
    this.closed = true;
    for (const w of this.watchers.values()) w.close();
  }

  private async pushNow(name: unknown, data: Buffer, force: boolean): Promise<PushRingResponseMsg> {
    if (!isRingName(name)) throw new StoreError('INVALID_ARGUMENT', `Cannot push ring "${String(name)}": not one of ${RING_NAMES.join(', ')}`);
    const pushed = await decodeRing(data, `pushed ring "${name}"`);
    const current = this.get(name);
    this.checkCompatible(name, pushed, current);
    if (current && pushed.version < current.version && !force) {
      throw new StoreError('STALE', `Cannot push ring "${name}": version ${pushed.version} is older than version ${current.version} in use (force to roll back)`);
    }
    const file = ringFilePath(this.opts.ringDir, name);
    const onDisk = await readFile(file).catch(() => undefined);
    const sameFile = onDisk !== undefined && onDisk.equals(data);
    if (onDisk && !sameFile && !force) {
      // A shared ring folder (the all-in-one) may already hold a newer file another node wrote.
      const diskVersion = await decodeRing(onDisk).then((d) => d.version, () => undefined);
      if (diskVersion !== undefined && diskVersion > pushed.version) {
        throw new StoreError('STALE', `Cannot push ring "${name}": version ${pushed.version} is older than version ${diskVersion} in "${this.opts.ringDir}" (force to roll back)`);
      }
    }
    if (sameFile && current?.version === pushed.version) return { version: current.version, applied: false };
    if (!sameFile) {
      await mkdir(this.opts.ringDir, { recursive: true }); // a new node may start with no ring at all
      await writeFileAtomic(file, data);
    }
    const w = this.watchers.get(name);
    if (!w) {
      await this.watch(name);
      return { version: this.get(name)!.version, applied: true };
    }
    // A poll already running may have read the old file; poll again until the new version is in use.
    for (let i = 0; i < RELOAD_ATTEMPTS && w.ring.version !== pushed.version; i++) {
      if (!(await w.check()) && w.ring.version !== pushed.version) await sleep(RELOAD_PAUSE_MS);
    }
    if (w.ring.version !== pushed.version) {
      throw new StoreError('UNAVAILABLE', `Cannot push ring "${name}": the file was written but version ${w.ring.version} is still in use`);
    }
    return { version: w.ring.version, applied: true };
  }

  private checkCompatible(name: RingName, pushed: RingData, current: Ring | undefined): void {
    const secret = current?.hashSecret ?? (name === 'object' ? this.pathHashSecret : undefined);
    if (secret !== undefined && pushed.hashSecret !== secret) {
      throw new StoreError('CONFLICT', `Cannot push ring "${name}": its hash secret differs from the one this node uses (a ring of another cluster?)`);
    }
    if (current && pushed.partPower !== current.partPower) {
      throw new StoreError('CONFLICT', `Cannot push ring "${name}": part power ${pushed.partPower} differs from ${current.partPower} in use (data would be misplaced)`);
    }
  }

  private async watch(name: RingName): Promise<void> {
    if (this.closed) return;
    const w = new RingWatcher(ringFilePath(this.opts.ringDir, name), { log: this.opts.log, ...(this.opts.intervalMs ? { intervalMs: this.opts.intervalMs } : {}) });
    const first = await w.start();
    if (this.closed) { w.close(); return; }
    let inUse = first;
    w.onReload((ring) => {
      if (ring.version === inUse.version) return;
      this.previous.set(name, inUse);
      inUse = ring;
      for (const fn of this.listeners) fn(name, ring);
    });
    this.watchers.set(name, w);
    for (const fn of this.listeners) fn(name, first);
  }
}
