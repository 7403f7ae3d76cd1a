/**
 * ObjectReplicator: keeps every object partition at full strength on its primaries, Swift
 * style, push only. A pass walks each partition found on this node's devices:
 * - on a primary, it compares suffix hashes with the other primaries and, for the suffixes that
 *   differ, lists both sides and pushes the files the peer lacks or holds older (.data, .ts,
 *   .meta, with their original timestamps); each primary does the same, so they converge;
 * - on a handoff (this device is not a primary of the partition), it pushes to every primary,
 *   then checks that each of them now holds every object as new or newer, and only then
 *   deletes the local copy, folder by folder, and only folders unchanged since the check. With
 *   a primary unreachable nothing is deleted: the last copy is never removed.
 * Tombstones older than `reclaimAgeMs` are removed (after every replica had that long to get
 * them). Bytes pushed go through a bytes/s throttle; each runOnce() does a bounded number of
 * partitions and answers 'busy' while the pass has more.
 *
 * A primary partition found identical on a peer is not compared with it again until something
 * changes on either side or the agreement's TTL ends (peer-agreements.ts): a cluster at rest
 * then costs almost nothing; the first compare asks with a digest of the local hashes so that
 * the peer can tell whether it must look again at what this node lacks.
 *
 * Data movement (a ring change): a pass visits handoff partitions first, and a ring reload
 * restarts the pass (restartPass()). Pushes that move data to a new place (off a handoff, or
 * from a primary to a peer that was not a primary under the previous ring) go through the
 * MovementGate: skipped while paused, limited by its rate, after a (bounded) wait for a gap in
 * client requests, and counted.
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError, systemClock, formatTimestamp, type Clock, type Logger } from '../../common/index.js';
import type { Ring, Device } from '../../ring/index.js';
import type { ReplicationClientPool } from '../../cluster/index.js';
import type { Devices } from '../devices.js';
import type { SuffixHashCache } from '../suffix-hash-cache.js';
import { listSuffix, filesToPush, covers, stateOf, hashDirOf, removeHashDirIf, pruneEmpty, type ParsedFile } from '../replica-files.js';
import { Throttle, throttled } from './throttle.js';
import { newWorkerStats, type WorkerStats } from './worker-stats.js';
import type { Worker, WorkerResult } from './worker.js';
import { PeerGate } from './peer-gate.js';
import { PartitionPass, devicePartitions } from './partition-pass.js';
import { FREE_MOVEMENT, handoffRetryDelayMs, type MovementGate } from './movement-gate.js';
import { PeerAgreements, partitionDigest } from './peer-agreements.js';

export interface ObjectReplicatorOptions {
  devices: Devices;
  /** The object ring in use (undefined: nothing to do yet). */
  ring: () => Ring | undefined;
  /** Whether a ring device is this node's (same address and a device of ours). */
  isLocal: (dev: Device) => boolean;
  cache: SuffixHashCache;
  clients: ReplicationClientPool;
  /** Tombstones older than this are removed (ms). */
  reclaimAgeMs: number;
  /** Least time between two passes that look for old tombstones (a walk of every folder) (ms). */
  reclaimIntervalMs: number;
  /** Bytes pushed per second over all peers; 0: unlimited. */
  maxBytesPerSec: number;
  /** Partitions handled per runOnce() call. */
  partitionsPerRun: number;
  /** Partitions worked on at once (default 1). */
  concurrency?: number;
  /** Longest trust in a partition found identical on a peer (ms; 0: compare every pass; default 0). */
  agreementTtlMs?: number;
  log: Logger;
  clock?: Clock;
  /** Pause, rate and client priority for moves, and their counters; default: no control. */
  movement?: MovementGate;
}

interface Job { device: string; partition: number }

/** What one compare with a peer found. */
interface SyncOutcome {
  /** Objects pushed. */
  objects: number;
  /** The peer's hashes equalled ours at the first look. */
  equal: boolean;
}

/** Least time between two passes that also visit primary partitions while handoffs are left (ms). */
const FULL_PASS_EVERY_MS = 30_000;

export class ObjectReplicator implements Worker {
  readonly name = 'replicator';
  readonly stats: WorkerStats = newWorkerStats('replicator');
  private readonly throttle: Throttle;
  private readonly clock: Clock;
  private readonly pass: PartitionPass<Job>;
  private handoffsSeen = 0;
  private readonly gate = new PeerGate();
  private lastReclaimMs = Number.NEGATIVE_INFINITY;
  private lastFullPassMs = Number.NEGATIVE_INFINITY;
  private reclaimThisPass = false;
  private readonly movement: MovementGate;
  /** Primary partitions found identical on a peer; the server side tells it about peers' looks. */
  readonly agreements: PeerAgreements;

  constructor(private readonly opts: ObjectReplicatorOptions) {
    this.throttle = new Throttle(opts.maxBytesPerSec);
    this.clock = opts.clock ?? systemClock;
    this.agreements = new PeerAgreements(opts.agreementTtlMs ?? 0, this.clock);
    opts.cache.onChange((device, partition) => this.agreements.forget(device, partition));
    this.movement = opts.movement ?? FREE_MOVEMENT;
    this.pass = new PartitionPass(this.clock, this.stats, opts.log, 'partition replication failed', {
      startPass: () => this.startPass(),
      endPass: () => { this.stats.handoffsLeft = this.handoffsSeen; },
    });
  }

  async runOnce(signal: AbortSignal): Promise<WorkerResult> {
    const ring = this.opts.ring();
    if (!ring) return 'idle';
    return this.pass.run(signal, this.opts.partitionsPerRun, (job, s) => this.replicatePartition(ring, job, s), this.opts.concurrency);
  }

  /** Starts a new pass at the next runOnce() (handoffs first), e.g. after a ring change. */
  restartPass(): void {
    this.lastFullPassMs = Number.NEGATIVE_INFINITY; // a new ring: every partition is looked at
    this.agreements.forgetAll(); // other peers, other partitions
    this.pass.restart();
  }

  /** The next pass visits and compares every partition (an operator's or a test's full pass). */
  requestFullPass(): void {
    this.lastFullPassMs = Number.NEGATIVE_INFINITY;
    this.agreements.forgetAll();
  }

  /** Handoff partitions left after a pass: the next pass comes soon (movement-gate.ts). */
  idleDelayMs(): number | undefined {
    return handoffRetryDelayMs(this.stats.handoffsLeft, this.movement);
  }

  /** Whether `job`'s device is a primary of its partition under `ring`. */
  private isPrimary(ring: Ring, job: Job): boolean {
    return job.partition < ring.partCount && ring.primaries(job.partition).some((p) => p.device === job.device && this.opts.isLocal(p));
  }

  private async startPass(): Promise<Job[]> {
    const nowMs = this.clock.nowMs();
    const handoffsLeft = this.stats.handoffsLeft > 0;
    this.handoffsSeen = 0;
    this.gate.reset();
    this.reclaimThisPass = false;
    const jobs = await devicePartitions(this.opts.devices);
    const ring = this.opts.ring();
    if (!ring) return jobs;
    // Handoffs first: after a ring change that is the data waiting to move (stable order otherwise).
    const handoffs = jobs.filter((j) => !this.isPrimary(ring, j));
    // While handoffs are left, passes come every few seconds (idleDelayMs): those visit only the
    // handoffs, and the primaries' comparisons come at most once per FULL_PASS_EVERY_MS, so
    // that a move's tail does not spend the CPU that clients and the move itself need.
    if (handoffsLeft && nowMs - this.lastFullPassMs < FULL_PASS_EVERY_MS) return handoffs;
    this.lastFullPassMs = nowMs;
    this.reclaimThisPass = nowMs - this.lastReclaimMs >= this.opts.reclaimIntervalMs;
    if (this.reclaimThisPass) this.lastReclaimMs = nowMs;
    return [...handoffs, ...jobs.filter((j) => this.isPrimary(ring, j)), ...(await this.missingPrimaries(ring, jobs))];
  }

  /**
   * Partitions a local device is a primary of but holds nothing of (a new device, a wiped or
   * replaced disk, a lost folder): visited too, so that this node asks its peers about them.
   * Replication is push-only and the peers may trust an old agreement about this partition:
   * the question (with the digest of nothing) is what tells them to look again. Empty
   * partitions agree with empty peers after one compare, so they cost nothing afterwards.
   * Devices that are not mounted are left out (they cannot take a push anyway).
   */
  private async missingPrimaries(ring: Ring, present: readonly Job[]): Promise<Job[]> {
    const have = new Set(present.map((j) => `${j.device}:${j.partition}`));
    const mounted = new Set<string>();
    for (const d of this.opts.devices.list) {
      if (await this.opts.devices.root(d.name).then(() => true, () => false)) mounted.add(d.name);
    }
    const local = new Map<number, string>();
    ring.devices.forEach((d, id) => { if (d && this.opts.isLocal(d) && mounted.has(d.device)) local.set(id, d.device); });
    const out: Job[] = [];
    if (local.size === 0) return out;
    for (const row of ring.replicaTable()) {
      for (let partition = 0; partition < row.length; partition++) {
        const device = local.get(row[partition]!);
        if (device !== undefined && !have.has(`${device}:${partition}`)) {
          have.add(`${device}:${partition}`);
          out.push({ device, partition });
        }
      }
    }
    return out;
  }

  private async replicatePartition(ring: Ring, job: Job, signal: AbortSignal): Promise<void> {
    if (job.partition >= ring.partCount) return;
    const root = await this.opts.devices.root(job.device);
    const primaries = ring.primaries(job.partition);
    const isPrimary = primaries.some((p) => p.device === job.device && this.opts.isLocal(p));
    const targets = primaries.filter((p) => !(p.device === job.device && this.opts.isLocal(p)));
    if (!isPrimary && this.movement.paused()) {
      this.handoffsSeen += 1; // stays here, still to move
      return;
    }
    if (isPrimary && this.reclaimThisPass) await this.reclaimTombstones(root, job);
    const generation = this.agreements.generation(job.device, job.partition);
    const pending = isPrimary ? targets.filter((p) => !this.agreements.holds(job.device, job.partition, peerKey(p))) : targets;
    if (pending.length === 0) return; // identical on every peer, and nothing changed since
    const local = await this.opts.cache.hashes(job.device, job.partition);
    const digest = partitionDigest(local);
    let synced = 0;
    let confirmed = 0;
    // The peers are independent: sync with all of them at once (the round trips dominate).
    await Promise.all(pending.map(async (peer) => {
      if (signal.aborted) return;
      const moving = !isPrimary || !this.movement.wasPrimary('object', job.partition, peer);
      if (moving && this.movement.paused()) return;
      try {
        const client = this.opts.clients.get(peer.ip, peer.port);
        if (!(await this.gate.reachable(client))) throw new StoreError('UNAVAILABLE', `Cannot reach ${client.address}`);
        const outcome = await this.syncWith(root, job, local, digest, peer, signal, moving);
        synced += outcome.objects;
        if (isPrimary && outcome.equal) this.agreements.record(job.device, job.partition, peerKey(peer), generation);
        if (!isPrimary && (await this.peerHoldsAll(root, job, local, peer, signal))) confirmed += 1;
      } catch (err) {
        this.stats.failures += 1;
        this.opts.log.info({ err, device: job.device, partition: job.partition, peer: `${peer.ip}:${peer.port}/${peer.device}` }, 'cannot sync with peer');
      }
    }));
    if (signal.aborted) return;
    if (synced > 0) this.stats.partitionsSynced += 1;
    if (!isPrimary) {
      if (targets.length > 0 && confirmed === targets.length) await this.removeHandoff(root, job, local);
      else this.handoffsSeen += 1;
    }
    if (synced > 0) this.opts.log.info({ device: job.device, partition: job.partition, objects: synced, handoff: !isPrimary }, 'partition replicated');
  }

  /** Pushes what `peer` lacks (`moving`: through the MovementGate). */
  private async syncWith(root: string, job: Job, local: Map<string, string>, digest: string, peer: Device, signal: AbortSignal, moving: boolean): Promise<SyncOutcome> {
    const client = this.opts.clients.get(peer.ip, peer.port);
    const remote = await client.getSuffixHashes({ device: peer.device, partition: job.partition, suffixes: [], recalculate: false, callerDigest: digest }, { signal });
    let differ = [...local.keys()].filter((s) => remote.get(s) !== local.get(s));
    // Suffixes only the peer has: nothing to push (its own pass pushes them here), but not equal.
    const equal = differ.length === 0 && [...remote.keys()].every((s) => local.has(s));
    if (differ.length === 0) return { objects: 0, equal };
    // Before listing folders, make sure neither side's cache is stale for these suffixes.
    const fresh = await this.opts.cache.hashes(job.device, job.partition, differ, true);
    const remoteFresh = await client.getSuffixHashes({ device: peer.device, partition: job.partition, suffixes: differ, recalculate: true }, { signal });
    differ = differ.filter((s) => fresh.has(s) && fresh.get(s) !== remoteFresh.get(s));
    let objects = 0;
    for (const suffix of differ) {
      const mine = await listSuffix(root, job.partition, suffix);
      // A suffix the peer has no hash for holds no files there: nothing to list.
      const theirs = remoteFresh.has(suffix)
        ? await client.listSuffix({ device: peer.device, partition: job.partition, suffix }, { signal })
        : new Map<string, string[]>();
      for (const [hash, files] of mine) {
        if (signal.aborted) return { objects, equal: false };
        const push = filesToPush(files, theirs.get(hash) ?? []);
        for (const f of push) await this.pushOne(root, job, hash, f, peer, signal, moving);
        if (push.length > 0) objects += 1;
      }
    }
    this.stats.objectsSynced += objects;
    return { objects, equal: false };
  }

  private async pushOne(root: string, job: Job, hash: string, f: ParsedFile, peer: Device, signal: AbortSignal, moving: boolean): Promise<void> {
    if (moving) await this.movement.yieldToClients(signal);
    const path = join(hashDirOf(root, job.partition, hash), f.name);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      return; // replaced by a newer write meanwhile: the next pass sees the new file
    }
    let body: AsyncIterable<Uint8Array> = emptyBody();
    if (size > 0) {
      body = throttled(createReadStream(path, { highWaterMark: 64 * 1024 }), this.throttle, signal);
      if (moving) body = throttled(body, this.movement.throttle, signal);
    }
    const { applied } = await this.opts.clients.get(peer.ip, peer.port).pushFile(
      { device: peer.device, partition: job.partition, hash, fileName: f.name, size }, body, { signal },
    );
    this.stats.bytesMoved += size;
    // Only what the peer newly stored counts: a file another node pushed first moved once.
    if (moving && applied) this.movement.countBytes(size);
  }

  /**
   * True when `peer` holds every object of the local partition, as new or newer. Suffixes whose
   * freshly computed hashes are equal on both sides hold the same files (one call for all);
   * only the others are compared folder by folder.
   */
  private async peerHoldsAll(root: string, job: Job, local: Map<string, string>, peer: Device, signal: AbortSignal): Promise<boolean> {
    const client = this.opts.clients.get(peer.ip, peer.port);
    const suffixes = [...local.keys()];
    if (suffixes.length === 0) return true;
    const mine = await this.opts.cache.hashes(job.device, job.partition, suffixes, true);
    const theirs = await client.getSuffixHashes({ device: peer.device, partition: job.partition, suffixes, recalculate: true }, { signal });
    for (const suffix of suffixes) {
      if (!mine.has(suffix) || mine.get(suffix) === theirs.get(suffix)) continue;
      const folders = await client.listSuffix({ device: peer.device, partition: job.partition, suffix }, { signal });
      for (const [hash, files] of await listSuffix(root, job.partition, suffix)) {
        if (!covers(folders.get(hash) ?? [], files)) return false;
      }
    }
    return true;
  }

  private async removeHandoff(root: string, job: Job, local: Map<string, string>): Promise<void> {
    let kept = false;
    for (const suffix of local.keys()) {
      for (const [hash, files] of await listSuffix(root, job.partition, suffix)) {
        // A write that landed after the check keeps its folder for the next pass.
        if (!(await removeHashDirIf(root, job.partition, hash, files))) kept = true;
      }
      this.opts.cache.invalidate(job.device, job.partition, suffix);
    }
    if (!kept && (await pruneEmpty(root, job.partition))) {
      await this.opts.cache.dropPartition(job.device, job.partition);
      if (local.size > 0) this.movement.countPartition();
      this.opts.log.info({ device: job.device, partition: job.partition }, 'handoff partition removed');
    } else this.handoffsSeen += 1;
  }

  private async reclaimTombstones(root: string, job: Job): Promise<void> {
    const cutoff = formatTimestamp(this.clock.nowMs() - this.opts.reclaimAgeMs);
    let suffixes: string[];
    try {
      suffixes = await readdir(join(root, 'objects', String(job.partition)));
    } catch {
      return;
    }
    for (const suffix of suffixes) {
      if (!/^[0-9a-f]{3}$/.test(suffix)) continue;
      let changed = false;
      for (const [hash, files] of await listSuffix(root, job.partition, suffix)) {
        const st = stateOf(files);
        if (st.newest?.kind === 'ts' && st.newest.timestamp < cutoff && (await removeHashDirIf(root, job.partition, hash, files))) changed = true;
      }
      if (changed) this.opts.cache.invalidate(job.device, job.partition, suffix);
    }
  }
}

function peerKey(d: Device): string {
  return `${d.ip}:${d.port}/${d.device}`;
}

async function* emptyBody(): AsyncGenerator<Uint8Array> {
  // A tombstone has no bytes: the header alone creates it.
}
