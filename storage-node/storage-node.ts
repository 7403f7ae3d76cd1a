/**
 * Composition of a storage node inside a process: rings (versions, partition checks, hash
 * secret), devices, stores, listing updates, the updater and the gRPC server. main.ts adds the
 * process concerns (config file, logger, signals, metrics HTTP); tests start nodes in-process
 * with this.
 */
import { access, mkdir } from 'node:fs/promises';
import { StoreError, type Logger } from '../common/index.js';
import { RingWatcher, ringFilePath, type Ring } from '../ring/index.js';
import { NodeClientPool, DEFAULT_NODE_CLIENT_CONFIG } from '../cluster/index.js';
import type { StorageNodeConfig } from './config.js';
import { Devices } from './devices.js';
import { MetaDbs } from './meta-db.js';
import { PathHasher } from './path-hash.js';
import { FsObjectStore } from './fs-object-store.js';
import { ContainerStore } from './container-store.js';
import { AccountStore } from './account-store.js';
import { ListingUpdates } from './listing-updates.js';
import { UpdaterWorker } from './workers/updater.js';
import { WorkerRunner } from './workers/worker-runner.js';
import { StorageNodeServer } from './grpc-server.js';
import { createNodeMetrics, type NodeMetrics } from './metrics.js';
import { Durability } from './durability.js';
import { registerDurabilityMetrics } from './durability-metrics.js';

/** Container stats go to accounts at most this often under a stream of writes (ms). */
const ACCOUNT_STATS_DELAY_MS = 500;

export interface RunningStorageNode {
  port: number;
  devices: Devices;
  updater: UpdaterWorker;
  updaterRunner: WorkerRunner;
  metrics: NodeMetrics;
  durability: Durability;
  stop(): Promise<void>;
}

async function watchRings(ringDir: string, log: Logger): Promise<Map<string, RingWatcher>> {
  const watchers = new Map<string, RingWatcher>();
  for (const name of ['account', 'container', 'object'] as const) {
    const file = ringFilePath(ringDir, name);
    try {
      await access(file);
    } catch {
      continue;
    }
    const w = new RingWatcher(file, { log });
    try {
      await w.start();
      watchers.set(name, w);
    } catch (err) {
      log.warn({ err, ring: name }, 'cannot load ring; partitions of it are not checked');
    }
  }
  return watchers;
}

/**
 * Starts a node from a validated config.
 * @throws INVALID_ARGUMENT (no hash secret: neither hashSecret nor an object ring), or the bind error
 */
export async function startStorageNode(config: Readonly<StorageNodeConfig>, log: Logger): Promise<RunningStorageNode> {
  const watchers = await watchRings(config.ringDir, log);
  const ring = (name: string): Ring | undefined => watchers.get(name)?.ring;
  const hashSecret = config.hashSecret ?? ring('object')?.hashSecret;
  if (hashSecret === undefined) {
    for (const w of watchers.values()) w.close();
    throw new StoreError('INVALID_ARGUMENT', `Cannot start storage node: no object ring in "${config.ringDir}" and no "hashSecret"`);
  }
  if (!config.mountCheck) await Promise.all(config.devices.map((d) => mkdir(d.path, { recursive: true })));
  const devices = new Devices(config.devices, config.reserveBytes);
  const dbs = new MetaDbs(devices);
  // Open every mounted device's database now, so journals left by an earlier run are retried.
  for (const d of config.devices) {
    await dbs.get(d.name).catch((err: unknown) => log.warn({ err, device: d.name }, 'device not available at start'));
  }
  // The container store reports dirty stats before the runner exists: wake it through this slot.
  const slot: { runner?: WorkerRunner } = {};
  let statsTimer: NodeJS.Timeout | undefined;
  const onDirty = () => {
    statsTimer ??= setTimeout(() => { statsTimer = undefined; slot.runner?.wake(); }, ACCOUNT_STATS_DELAY_MS);
  };
  const containers = new ContainerStore(dbs, undefined, onDirty);
  const accounts = new AccountStore(dbs);
  const clients = new NodeClientPool({ ...DEFAULT_NODE_CLIENT_CONFIG, peerSecret: config.peerSecret });
  const updates = new ListingUpdates({ dbs, clients, containers, log: log.child({ component: 'listing-updates' }), timeoutMs: config.containerUpdateTimeoutMs });
  const journalDepth = async (): Promise<number> => {
    let n = 0;
    for (const device of dbs.openDevices()) n += await updater.journalDepth(device).catch(() => 0);
    return n;
  };
  // The updater is made below: Durability calls it only later (RunWorker, status).
  const durability = new Durability({
    config, bindIp: config.bindIp, port: config.port, peerSecret: config.peerSecret, devices, dbs,
    objectRing: () => ring('object'), listingRing: (kind) => ring(kind), containers, accounts, updates, log, journalDepth,
    otherWorkers: [{ name: 'updater', runOnce: (signal) => updater.runOnce(signal) }],
  });
  const objects = new FsObjectStore({ devices, hasher: await PathHasher.create(hashSecret), onChange: durability.onChange });
  const updater = new UpdaterWorker({ dbs, updates, log: log.child({ component: 'updater' }) });
  const runner = new WorkerRunner(updater, { intervalMs: config.updaterIntervalMs, log });
  slot.runner = runner;
  const metrics = createNodeMetrics({ devices, updater, dbs, nodeId: config.nodeId });
  registerDurabilityMetrics(metrics.registry, durability);
  const server = new StorageNodeServer({
    nodeId: config.nodeId, peerSecret: config.peerSecret, devices, objects, containers, accounts, updates,
    partCount: (kind) => ring(kind)?.partCount,
    ringVersions: () => Object.fromEntries([...watchers].map(([name, w]) => [name, w.ring.version])),
    log: log.child({ component: 'grpc' }), observe: metrics.observe,
    addServices: (srv) => durability.addService(srv, (kind) => ring(kind)?.partCount, metrics.observe),
    durabilityStatus: () => durability.status(),
  });
  let port: number;
  try {
    port = await server.listen(config.bindIp, config.port);
  } catch (err) {
    await server.close(0);
    await durability.stop();
    await dbs.close();
    clients.close();
    for (const w of watchers.values()) w.close();
    throw new StoreError('UNAVAILABLE', `Cannot listen on ${config.bindIp}:${config.port}: ${(err as Error).message}`, { cause: err });
  }
  runner.start();
  durability.start(port);
  return {
    port, devices, updater, updaterRunner: runner, metrics, durability,
    async stop() {
      if (statsTimer) clearTimeout(statsTimer);
      await durability.stop();
      await runner.stop();
      await server.close();
      clients.close();
      await dbs.close();
      for (const w of watchers.values()) w.close();
    },
  };
}
