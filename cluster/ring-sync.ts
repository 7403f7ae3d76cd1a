/**
 * RingSync: keeps the ring files of a process that is not told about new rings (a proxy, a block
 * gateway, a storage node that missed a push) current by asking the storage nodes. Every interval
 * it asks one or two nodes of its rings (rotating through them) which ring versions they use;
 * when a node uses a newer version than the local file, it fetches that ring, checks it (it
 * decodes, has the local ring's hash secret and part power, and is newer) and writes it
 * atomically into the ring folder. The process's RingWatcher then loads it as with any new file.
 */
import { readFile, stat } from 'node:fs/promises';
import { StoreError, errorCodeOf, fromFsError, silentLogger, writeFileAtomic, type Logger } from '../common/index.js';
import { decodeRing, ringFilePath, type RingData } from '../ring/index.js';
import { DEFAULT_NODE_CLIENT_CONFIG } from './node-client-config.js';
import { MovementClientPool } from './movement-client.js';
import type { RingName } from './storage-messages.js';

export interface RingSyncOptions {
  /** Folder holding `<name>.ring.gz`. */
  ringDir: string;
  /** Rings to keep current; a ring without a local file is skipped (nothing to check it against). */
  names: readonly RingName[];
  /** The cluster's peer secret (cluster file). */
  peerSecret: string;
  log?: Logger;
  /** Time between two rounds (ms); default 10 s. */
  intervalMs?: number;
  /** Nodes asked per round; default 2. */
  nodesPerRound?: number;
  /** Deadline of each call to a node (ms); default 5 s. */
  timeoutMs?: number;
  /** Clients to use (tests, or a process that already has a pool); closed by close() only if made here. */
  clients?: MovementClientPool;
}

export interface RingSyncResult {
  /** Nodes asked this round ("ip:port"). */
  asked: string[];
  /** Rings written this round, with their new versions. */
  updated: Partial<Record<RingName, number>>;
}

interface LocalRing {
  stamp: string;
  data: RingData;
}

export const DEFAULT_RING_SYNC_INTERVAL_MS = 10_000;

export class RingSync {
  private readonly log: Logger;
  private readonly clients: MovementClientPool;
  private readonly ownsClients: boolean;
  private readonly local = new Map<RingName, LocalRing>();
  /** Failure kinds already logged; cleared when that kind succeeds again. */
  private readonly logged = new Set<string>();
  private cursor = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<RingSyncResult> | undefined;
  private closed = false;

  constructor(private readonly opts: RingSyncOptions) {
    this.log = (opts.log ?? silentLogger()).child({ component: 'ring-sync' });
    this.ownsClients = !opts.clients;
    const timeoutMs = opts.timeoutMs ?? 5_000;
    this.clients = opts.clients ?? new MovementClientPool({
      ...DEFAULT_NODE_CLIENT_CONFIG, peerSecret: opts.peerSecret, connectTimeoutMs: timeoutMs, nodeTimeoutMs: timeoutMs, keepaliveMs: 0,
    });
  }

  /** Starts the rounds (the first one after one interval). Idempotent. */
  start(): void {
    if (this.timer || this.closed) return;
    const interval = this.opts.intervalMs ?? DEFAULT_RING_SYNC_INTERVAL_MS;
    this.timer = setInterval(() => void this.syncNow(), interval);
    this.timer.unref();
  }

  /** Stops the rounds and closes the clients it made. */
  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.ownsClients) this.clients.close();
  }

  /** Versions of the local ring files as last read (a ring without a file is absent). */
  localVersions(): Partial<Record<RingName, number>> {
    const out: Partial<Record<RingName, number>> = {};
    for (const [name, r] of this.local) out[name] = r.data.version;
    return out;
  }

  /**
   * One round now (joins a round already running). Never throws: failures are logged, once per
   * kind until that kind succeeds again.
   */
  syncNow(): Promise<RingSyncResult> {
    if (this.closed) return Promise.resolve({ asked: [], updated: {} });
    this.running ??= this.round()
      .catch((err: unknown) => {
        this.failed('round', err, {}, 'ring sync round failed');
        return { asked: [], updated: {} };
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async round(): Promise<RingSyncResult> {
    const result: RingSyncResult = { asked: [], updated: {} };
    for (const name of this.opts.names) await this.readLocal(name);
    const nodes = this.nodes();
    const count = Math.min(nodes.length, Math.max(1, this.opts.nodesPerRound ?? 2));
    for (let i = 0; i < count && !this.closed; i++) {
      const node = nodes[(this.cursor + i) % nodes.length]!;
      result.asked.push(`${node.ip}:${node.port}`);
      await this.askNode(node.ip, node.port, result);
    }
    if (nodes.length > 0) this.cursor = (this.cursor + count) % nodes.length;
    return result;
  }

  /** Every storage node named by a local ring, sorted so the rotation is stable. */
  private nodes(): Array<{ ip: string; port: number }> {
    const seen = new Map<string, { ip: string; port: number }>();
    for (const r of this.local.values()) {
      for (const d of r.data.devices) if (d) seen.set(`${d.ip}:${d.port}`, { ip: d.ip, port: d.port });
    }
    return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  }

  private async askNode(ip: string, port: number, result: RingSyncResult): Promise<void> {
    const client = this.clients.get(ip, port);
    let versions: Record<string, number>;
    try {
      versions = (await client.movementStatus()).ringVersions;
      this.succeeded(`status ${client.address}`);
    } catch (err) {
      this.failed(`status ${client.address}`, err, { node: client.address }, 'cannot ask a storage node for its ring versions');
      return;
    }
    for (const name of this.opts.names) {
      const local = this.local.get(name);
      const remote = versions[name];
      if (!local || remote === undefined || remote <= local.data.version) continue;
      try {
        const version = await this.fetchAndWrite(name, ip, port, local.data);
        result.updated[name] = version;
        this.succeeded(`fetch ${name}`);
        this.log.info({ ring: name, version, previous: local.data.version, node: client.address }, 'newer ring fetched from a storage node');
      } catch (err) {
        this.failed(`fetch ${name}`, err, { ring: name, node: client.address, remote }, 'cannot take a newer ring from a storage node');
      }
    }
  }

  /**
   * Fetches, checks and writes one ring.
   * @throws CORRUPT (does not decode), CONFLICT (other hash secret or part power), STALE (not
   *   newer than the local file), and the node's or the file system's codes
   */
  private async fetchAndWrite(name: RingName, ip: string, port: number, local: RingData): Promise<number> {
    const res = await this.clients.get(ip, port).getRing(name);
    const data = await decodeRing(res.data, `ring "${name}" from storage node ${ip}:${port}`);
    const why = `Cannot use ring "${name}" version ${data.version} from storage node ${ip}:${port}`;
    if (data.hashSecret !== local.hashSecret) throw new StoreError('CONFLICT', `${why}: its hash secret differs from the local ring's`);
    if (data.partPower !== local.partPower) {
      throw new StoreError('CONFLICT', `${why}: its part power ${data.partPower} differs from the local ${local.partPower}`);
    }
    // Re-read the file: another writer (an operator's push, another round) may have been faster.
    const current = (await this.readLocal(name))?.data ?? local;
    if (data.version <= current.version) throw new StoreError('STALE', `${why}: the local file is version ${current.version}`);
    await writeFileAtomic(ringFilePath(this.opts.ringDir, name), res.data);
    await this.readLocal(name);
    return data.version;
  }

  /** Reads a local ring file when it changed since the last read; undefined when missing or bad. */
  private async readLocal(name: RingName): Promise<LocalRing | undefined> {
    const file = ringFilePath(this.opts.ringDir, name);
    try {
      const s = await stat(file);
      const stamp = `${s.mtimeMs}:${s.size}:${s.ino}`;
      const known = this.local.get(name);
      if (known?.stamp === stamp) return known;
      const data = await decodeRing(await readFile(file), `ring "${file}"`);
      const r = { stamp, data };
      this.local.set(name, r);
      this.succeeded(`local ${name}`);
      return r;
    } catch (raw) {
      const err = fromFsError(raw, `Cannot read ring "${file}"`);
      // A missing or damaged local ring: keep what was read before (if anything); the
      // process's RingWatcher keeps its ring too.
      this.failed(`local ${name}`, err, { file }, 'cannot read the local ring file');
      return this.local.get(name);
    }
  }

  private failed(kind: string, err: unknown, fields: Record<string, unknown>, msg: string): void {
    const key = `${kind}:${errorCodeOf(err)}`;
    if (this.logged.has(key)) return;
    this.logged.add(key);
    this.log.warn({ ...fields, code: errorCodeOf(err), err: (err as Error).message }, msg);
  }

  private succeeded(kind: string): void {
    for (const key of this.logged) if (key.startsWith(`${kind}:`)) this.logged.delete(key);
  }
}
