/**
 * Durability: the part of a storage node that keeps data at full strength, composed in one
 * place so storage-node.ts only wires it: the suffix hash cache (invalidated by every write),
 * the replicator, auditor and expirer Workers with their runners, and the ReplicationService
 * that peers and operator tools call. Passes of one worker never overlap: the runner's and one
 * started through RunWorker take turns.
 */
import type { Server } from '@grpc/grpc-js';
import { StoreError, type Logger } from '../common/index.js';
import type { Ring, Device } from '../ring/index.js';
import { ReplicationClientPool, DEFAULT_NODE_CLIENT_CONFIG, replicationServiceDefinition, type DurabilityStatusResponseMsg } from '../cluster/index.js';
import type { Devices } from './devices.js';
import type { MetaDbs } from './meta-db.js';
import type { DurabilityConfig } from './durability-config.js';
import { SuffixHashCache } from './suffix-hash-cache.js';
import { GrpcEdge, type CallObserver } from './grpc-call.js';
import { replicationServiceHandlers } from './grpc-replication-service.js';
import type { PartCountOf } from './request-validation.js';
import { countQuarantined } from './quarantine.js';
import { ObjectReplicator } from './workers/replicator.js';
import { ObjectAuditor } from './workers/auditor.js';
import { ListingReplicator } from './workers/listing-replicator.js';
import type { ContainerStore } from './container-store.js';
import type { AccountStore } from './account-store.js';
import type { ListingUpdates } from './listing-updates.js';
import { ObjectExpirer } from './workers/expirer.js';
import { WorkerRunner } from './workers/worker-runner.js';
import type { Worker, WorkerResult } from './workers/worker.js';
import type { WorkerStats } from './workers/worker-stats.js';
import type { MovementGate } from './workers/movement-gate.js';

/** Longest full pass RunWorker waits for (ms). */
const RUN_WORKER_LIMIT_MS = 300_000;

export interface DurabilityOptions {
  config: Readonly<DurabilityConfig>;
  /** This node's address as the ring records it (to tell its own devices from peers'). */
  bindIp: string;
  port: number;
  peerSecret: string;
  devices: Devices;
  dbs: MetaDbs;
  /** The object ring in use. */
  objectRing: () => Ring | undefined;
  /** The container and account rings in use (listing replication). */
  listingRing: (kind: 'container' | 'account') => Ring | undefined;
  containers: ContainerStore;
  accounts: AccountStore;
  /** Where the expirer sends deleted listing rows (journalled on failure). */
  updates: Pick<ListingUpdates, 'deliverRows'>;
  log: Logger;
  /** Other workers RunWorker may start by name (e.g. the updater). */
  otherWorkers?: Worker[];
  /** Journal depth of undelivered listing updates, for status. */
  journalDepth?: () => Promise<number>;
  /** Data-movement control the replicators obey (default: none). */
  movement?: MovementGate;
}

export class Durability {
  readonly cache: SuffixHashCache;
  readonly replicator: ObjectReplicator;
  readonly auditor: ObjectAuditor;
  readonly listings: ListingReplicator;
  readonly expirer: ObjectExpirer;
  private readonly clients: ReplicationClientPool;
  private readonly runners = new Map<string, WorkerRunner>();
  private readonly turns = new Map<string, Promise<unknown>>();
  private readonly byName = new Map<string, Worker>();
  /** Workers whose last runOnce answered 'busy' (a pass is half done). */
  private readonly midPass = new Set<string>();
  /** Port the node really bound (the config may say 0). */
  private boundPort: number;

  constructor(private readonly opts: DurabilityOptions) {
    const { config, devices, dbs, log } = opts;
    this.boundPort = opts.port;
    this.cache = new SuffixHashCache({ dbs, devices, maxAgeMs: config.suffixHashMaxAgeMs, log: log.child({ component: 'suffix-hashes' }) });
    this.clients = new ReplicationClientPool({ ...DEFAULT_NODE_CLIENT_CONFIG, peerSecret: opts.peerSecret });
    this.replicator = new ObjectReplicator({
      devices, ring: opts.objectRing, isLocal: (d) => this.isLocal(d), cache: this.cache, clients: this.clients,
      reclaimAgeMs: config.reclaimAgeMs, reclaimIntervalMs: config.reclaimIntervalMs,
      maxBytesPerSec: config.replicatorMaxBytesPerSec, partitionsPerRun: config.replicatorPartitionsPerRun, concurrency: config.replicatorConcurrency,
      agreementTtlMs: config.replicatorAgreementTtlMs, log: log.child({ component: 'replicator' }), ...(opts.movement ? { movement: opts.movement } : {}),
    });
    this.auditor = new ObjectAuditor({
      devices, cache: this.cache, bytesPerSec: config.auditorBytesPerSec, filesPerSec: config.auditorFilesPerSec,
      log: log.child({ component: 'auditor' }),
    });
    this.listings = new ListingReplicator({
      devices, dbs, ring: opts.listingRing, isLocal: (d) => this.isLocal(d), clients: this.clients,
      partitionsPerRun: config.replicatorPartitionsPerRun, concurrency: config.replicatorConcurrency, log: log.child({ component: 'listing-replicator' }),
      ...(opts.movement ? { movement: opts.movement } : {}),
    });
    this.expirer = new ObjectExpirer({
      devices, cache: this.cache, containerRing: () => opts.listingRing('container'), updates: opts.updates,
      filesPerSec: config.auditorFilesPerSec > 0 ? config.auditorFilesPerSec * 10 : 0, log: log.child({ component: 'expirer' }),
    });
    for (const w of [this.replicator, this.listings, this.auditor, this.expirer, ...(opts.otherWorkers ?? [])]) this.byName.set(w.name, w);
  }

  /** FsObjectStore's change hook: the suffix's cached hash is stale. */
  readonly onChange = (device: string, partition: number, suffix: string): void => {
    this.cache.invalidate(device, partition, suffix);
  };

  /** Registers ReplicationService on the node's gRPC server. */
  addService(server: Server, partCount: PartCountOf, observe?: CallObserver): void {
    const edge = new GrpcEdge({ peerSecret: this.opts.peerSecret, log: this.opts.log.child({ component: 'grpc-replication' }), ...(observe ? { observe } : {}) });
    server.addService(replicationServiceDefinition, replicationServiceHandlers(edge, {
      devices: this.opts.devices, cache: this.cache, partCount, dbs: this.opts.dbs,
      containers: this.opts.containers, accounts: this.opts.accounts,
      runWorker: (name) => this.runFullPass(name), status: () => this.status(),
      peerAsked: (device, partition, digest, ours) => this.replicator.agreements.peerAsked(device, partition, digest, ours),
    }));
  }

  /** Starts the background runners (unless the config turned them off). */
  start(boundPort: number): void {
    this.boundPort = boundPort;
    if (!this.opts.config.durabilityWorkers) return;
    const { config, log } = this.opts;
    const plan: Array<[Worker, number]> = [
      [this.replicator, config.replicatorIntervalMs], [this.listings, config.replicatorIntervalMs], [this.auditor, config.auditorIntervalMs],
      [this.expirer, config.expirerIntervalMs],
    ];
    for (const [w, intervalMs] of plan) {
      const r = new WorkerRunner({ name: w.name, runOnce: (s) => this.turn(w, s) }, { intervalMs, log, busyPauseMs: 20 });
      this.runners.set(w.name, r);
      r.start();
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.runners.values()].map((r) => r.stop()));
    this.clients.close();
  }

  /**
   * Data may have to move (a ring changed, movement resumed): the object and listing
   * replicators drop the pass in progress and start a new one now, handoffs first, instead of
   * after `replicatorIntervalMs`.
   */
  wakeMovers(): void {
    this.replicator.restartPass();
    this.listings.restartPass();
    this.runners.get(this.replicator.name)?.wake();
    this.runners.get(this.listings.name)?.wake();
  }

  /** Counters of every durability worker. */
  workerStats(): WorkerStats[] {
    return [this.replicator.stats, this.listings.stats, this.auditor.stats, this.expirer.stats];
  }

  async status(): Promise<DurabilityStatusResponseMsg> {
    let quarantinedFiles = 0;
    for (const d of this.opts.devices.list) {
      const root = await this.opts.devices.root(d.name).catch(() => undefined);
      if (root) quarantinedFiles += await countQuarantined(root);
    }
    return { workers: this.workerStats(), journalDepth: (await this.opts.journalDepth?.().catch(() => 0)) ?? 0, quarantinedFiles };
  }

  /**
   * Runs passes of a worker until it is not busy (a full pass), waiting for a pass in progress.
   * @throws INVALID_ARGUMENT for an unknown worker, TIMEOUT past five minutes
   */
  async runFullPass(name: string): Promise<WorkerResult> {
    const w = this.byName.get(name);
    if (!w) throw new StoreError('INVALID_ARGUMENT', `Cannot run worker "${name}": not one of ${[...this.byName.keys()].join(', ')}`);
    const signal = AbortSignal.timeout(RUN_WORKER_LIMIT_MS);
    // A pass the runner left half done started before the caller's request: finish it, then run
    // a whole one, so that everything on disk when the call came is covered.
    const passes = this.midPass.has(w.name) ? 2 : 1;
    if (w === this.replicator) this.replicator.requestFullPass(); // not only the handoffs left
    let result: WorkerResult = 'idle';
    for (let p = 0; p < passes; p++) {
      do {
        if (signal.aborted) throw new StoreError('TIMEOUT', `Cannot finish a pass of "${name}" within ${RUN_WORKER_LIMIT_MS} ms`);
        result = await this.turn(w, signal);
      } while (result === 'busy');
    }
    return result;
  }

  /** One runOnce of `w`, after any other in progress. */
  private turn(w: Worker, signal: AbortSignal): Promise<WorkerResult> {
    const prev = this.turns.get(w.name) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(() => w.runOnce(signal)).then((r) => {
      if (r === 'busy') this.midPass.add(w.name);
      else this.midPass.delete(w.name);
      return r;
    });
    this.turns.set(w.name, next.catch(() => undefined));
    return next;
  }

  /** Whether a ring device is one of this node's devices (same address, a device we have). */
  isLocal(d: Device): boolean {
    const anyIp = this.opts.bindIp === '0.0.0.0' || this.opts.bindIp === '::';
    return d.port === this.boundPort && (anyIp || d.ip === this.opts.bindIp) && this.opts.devices.list.some((x) => x.name === d.device);
  }
}
