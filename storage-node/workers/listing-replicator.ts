/**
 * ListingReplicator: keeps container listings and account records identical on the replicas of
 * their partitions (container and account rings). For each partition holding containers (or
 * accounts) on this node, it compares a digest per container with each other primary and, for
 * those that differ, sends the record and every row (tombstone rows too), which the peer merges
 * newest-wins; the peer's own pass sends back what this node lacks. Listing data on a handoff
 * goes to every primary and is dropped locally only once all of them took it and it has not
 * changed since. Each runOnce() handles a bounded number of partitions.
 *
 * Data movement: handoff partitions come first in a pass, a ring reload restarts the pass, and
 * sending to a new place (off a handoff, or to a peer that was not a primary under the previous
 * ring) goes through the MovementGate: skipped while paused, after a bounded wait for a gap in
 * client requests, and counted when a handoff partition is dropped.
 */
import { StoreError, systemClock, type Clock, type Logger } from '../../common/index.js';
import type { Ring, Device } from '../../ring/index.js';
import type { ReplicationClientPool } from '../../cluster/index.js';
import type { Devices } from '../devices.js';
import type { MetaDbs, DeviceDb } from '../meta-db.js';
import { listingPartitions, listingDigests, readListing, dropListing, type ListingKind } from '../listing-sync.js';
import { newWorkerStats, type WorkerStats } from './worker-stats.js';
import type { Worker, WorkerResult } from './worker.js';
import { PeerGate } from './peer-gate.js';
import { PartitionPass } from './partition-pass.js';
import { FREE_MOVEMENT, handoffRetryDelayMs, type MovementGate } from './movement-gate.js';

export interface ListingReplicatorOptions {
  devices: Devices;
  dbs: MetaDbs;
  ring: (kind: ListingKind) => Ring | undefined;
  isLocal: (dev: Device) => boolean;
  clients: ReplicationClientPool;
  partitionsPerRun: number;
  /** Partitions worked on at once (default 1). */
  concurrency?: number;
  log: Logger;
  clock?: Clock;
  /** Pause and client priority for moves, and their counters; default: no control. */
  movement?: MovementGate;
}

interface Job { device: string; kind: ListingKind; partition: number }


export class ListingReplicator implements Worker {
  readonly name = 'listing-replicator';
  readonly stats: WorkerStats = newWorkerStats('listing-replicator');
  private readonly clock: Clock;
  private readonly pass: PartitionPass<Job>;
  private handoffsSeen = 0;
  private readonly gate = new PeerGate();
  private readonly movement: MovementGate;

  constructor(private readonly opts: ListingReplicatorOptions) {
    this.clock = opts.clock ?? systemClock;
    this.movement = opts.movement ?? FREE_MOVEMENT;
    this.pass = new PartitionPass(this.clock, this.stats, opts.log, 'listing replication failed', {
      startPass: () => this.startPass(),
      endPass: () => { this.stats.handoffsLeft = this.handoffsSeen; },
    });
  }

  async runOnce(signal: AbortSignal): Promise<WorkerResult> {
    return this.pass.run(signal, this.opts.partitionsPerRun, (job, s) => this.replicate(job, s), this.opts.concurrency);
  }

  /** Starts a new pass at the next runOnce() (handoffs first), e.g. after a ring change. */
  restartPass(): void {
    this.pass.restart();
  }

  /** Handoff partitions left after a pass: the next pass comes soon (movement-gate.ts). */
  idleDelayMs(): number | undefined {
    return handoffRetryDelayMs(this.stats.handoffsLeft, this.movement);
  }

  private isPrimary(job: Job): boolean {
    const ring = this.opts.ring(job.kind);
    return !!ring && job.partition < ring.partCount && ring.primaries(job.partition).some((p) => p.device === job.device && this.opts.isLocal(p));
  }

  private async startPass(): Promise<Job[]> {
    this.handoffsSeen = 0;
    this.gate.reset();
    const jobs: Job[] = [];
    for (const dev of this.opts.devices.list) {
      const d = await this.opts.dbs.get(dev.name).catch(() => undefined);
      if (!d) continue;
      for (const kind of ['account', 'container'] as const) {
        if (!this.opts.ring(kind)) continue;
        for (const partition of await listingPartitions(d, kind)) jobs.push({ device: dev.name, kind, partition });
      }
    }
    // Handoffs first: after a ring change that is the data waiting to move.
    return [...jobs.filter((j) => !this.isPrimary(j)), ...jobs.filter((j) => this.isPrimary(j))];
  }

  private async replicate(job: Job, signal: AbortSignal): Promise<void> {
    const ring = this.opts.ring(job.kind);
    if (!ring || job.partition >= ring.partCount) return;
    const d = await this.opts.dbs.get(job.device);
    const mine = (p: Device) => p.device === job.device && this.opts.isLocal(p);
    const primaries = ring.primaries(job.partition);
    const isPrimary = primaries.some(mine);
    const targets = primaries.filter((p) => !mine(p));
    if (!isPrimary && this.movement.paused()) {
      this.handoffsSeen += 1; // stays here, still to move
      return;
    }
    const local = await listingDigests(d, job.partition, job.kind);
    let confirmed = 0;
    let sent = 0;
    for (const peer of targets) {
      if (signal.aborted) return;
      const moving = !isPrimary || !this.movement.wasPrimary(job.kind, job.partition, peer);
      if (moving && this.movement.paused()) continue;
      try {
        const client = this.opts.clients.get(peer.ip, peer.port);
        if (!(await this.gate.reachable(client))) throw new StoreError('UNAVAILABLE', `Cannot reach ${client.address}`);
        const remote = await client.listingDigests({ device: peer.device, partition: job.partition, kind: job.kind }, { signal });
        for (const [name, digest] of local) {
          if (remote.get(name) === digest) continue;
          for await (const msg of readListing(d, peer.device, job.partition, job.kind, name)) {
            if (moving) await this.movement.yieldToClients(signal);
            await client.mergeListing(msg, { signal });
            this.stats.objectsSynced += msg.objectRows.length + msg.containerRows.length;
          }
          sent += 1;
        }
        confirmed += 1;
      } catch (err) {
        this.stats.failures += 1;
        this.opts.log.info({ err, ...job, peer: `${peer.ip}:${peer.port}/${peer.device}` }, 'cannot sync listings with peer');
      }
    }
    if (sent > 0) {
      this.stats.partitionsSynced += 1;
      this.opts.log.info({ ...job, synced: sent, handoff: !isPrimary }, 'listing partition replicated');
    }
    if (isPrimary) return;
    if (targets.length > 0 && confirmed === targets.length) await this.dropHandoff(d, job, local);
    else this.handoffsSeen += 1;
  }

  /** Drops what every primary took, unless it changed meanwhile (then the next pass sends it). */
  private async dropHandoff(d: DeviceDb, job: Job, sent: Map<string, string>): Promise<void> {
    const now = await listingDigests(d, job.partition, job.kind);
    let kept = false;
    for (const [name, digest] of now) {
      if (sent.get(name) === digest) await dropListing(d, job.partition, job.kind, name);
      else kept = true;
    }
    if (kept) this.handoffsSeen += 1;
    else if (now.size > 0) this.movement.countListingPartition();
  }
}
