/**
 * Composition of a storage node inside a process: rings (versions, partition checks, hash
 * secret, pushes), devices, stores, listing updates, the updater, durability, data movement
 * (control, status, client priority) and the gRPC server. main.ts adds the process concerns
 * (config file, logger, signals, metrics HTTP); tests start nodes in-process with this.
 */
import { mkdir } from 'node:fs/promises';
import { StoreError, type Logger } from '../common/index.js';
import type { RingName } from '../cluster/index.js';
import { NodeClientPool, DEFAULT_NODE_CLIENT_CONFIG, RingSync, ringPath } from '../cluster/index.js';
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
import { NodeRings } from './node-rings.js';
import { ClientActivity } from './client-activity.js';
import { Movement } from './movement.js';
import { MovementControlStore } from './movement-control.js';
import { PartitionUsageCache } from './partition-usage.js';
import { addMovementService } from './grpc-movement-service.js';
import { registerMovementMetrics } from './movement-metrics.js';

/** Container stats go to accounts at most this often under a stream of writes (ms). */
const ACCOUNT_STATS_DELAY_MS = 500;

export interface RunningStorageNode {
  port: number;
  devices: Devices;
  updater: UpdaterWorker;
  updaterRunner: WorkerRunner;
  metrics: NodeMetrics;
  durability: Durability;
  rings: NodeRings;
  movement: Movement;
  activity: ClientActivity;
  usage: PartitionUsageCache;
  stop(): Promise<void>;
}

/**
 * Starts a node from a validated config.
 * @throws INVALID_ARGUMENT (no hash secret: neither hashSecret nor an object ring), or the bind error
 */
export async function startStorageNode(config: Readonly<StorageNodeConfig>, log: Logger): Promise<RunningStorageNode> {
  const rings = new NodeRings({ ringDir: config.ringDir, log });
  await rings.start();
  const ring = (name: RingName) => rings.get(name);
  const hashSecret = config.hashSecret ?? ring('object')?.hashSecret;
  rings.pathHashSecret = hashSecret;
  if (hashSecret === undefined) {
    rings.close();
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
  const accountTargets = (account: string) => {
    const r = ring('account');
    if (!r) return undefined;
    const partition = r.partOf(ringPath(account));
    return r.primaries(partition).map((d) => ({ ip: d.ip, port: d.port, device: d.device, partition }));
  };
  const updates = new ListingUpdates({
    dbs, clients, containers, log: log.child({ component: 'listing-updates' }), timeoutMs: config.containerUpdateTimeoutMs, accountTargets,
  });
  const journalDepth = async (): Promise<number> => {
    let n = 0;
    for (const device of dbs.openDevices()) n += await updater.journalDepth(device).catch(() => 0);
    return n;
  };
  const activity = new ClientActivity();
  const movement = new Movement({
    store: new MovementControlStore(devices, log.child({ component: 'movement' })), activity,
    previousRing: (kind) => rings.previousOf(kind), yieldMs: config.movementYieldMs,
    // Resumed or a new rate: move now rather than at the next interval.
    onChange: () => durability.wakeMovers(), log: log.child({ component: 'movement' }),
  });
  await movement.load();
  // The updater is made below: Durability calls it only later (RunWorker, status).
  const durability = new Durability({
    movement,
    config, bindIp: config.bindIp, port: config.port, peerSecret: config.peerSecret, devices, dbs,
    objectRing: () => ring('object'), listingRing: (kind) => ring(kind), containers, accounts, updates, log, journalDepth,
    otherWorkers: [{ name: 'updater', runOnce: (signal) => updater.runOnce(signal) }],
  });
  const objects = new FsObjectStore({ devices, hasher: await PathHasher.create(hashSecret), onChange: durability.onChange });
  const usage = new PartitionUsageCache(devices);
  durability.cache.onChange((device, partition) => usage.markDirty(device, partition));
  // A new placement: the replicators start a pass now, handoffs first.
  rings.onReload((name) => { if (name !== 'block') durability.wakeMovers(); });
  const updater = new UpdaterWorker({ dbs, updates, log: log.child({ component: 'updater' }) });
  const runner = new WorkerRunner(updater, { intervalMs: config.updaterIntervalMs, log });
  slot.runner = runner;
  const metrics = createNodeMetrics({ devices, updater, dbs, nodeId: config.nodeId });
  registerDurabilityMetrics(metrics.registry, durability);
  registerMovementMetrics(metrics.registry, movement);
  const server = new StorageNodeServer({
    nodeId: config.nodeId, peerSecret: config.peerSecret, devices, objects, containers, accounts, updates,
    partCount: (kind) => ring(kind)?.partCount,
    ringVersions: () => rings.versions(), activity,
    log: log.child({ component: 'grpc' }), observe: metrics.observe,
    addServices: (srv) => {
      durability.addService(srv, (kind) => ring(kind)?.partCount, metrics.observe);
      addMovementService(srv, {
        nodeId: config.nodeId, devices, dbs, usage, rings, isLocal: (d) => durability.isLocal(d), movement,
        peerSecret: config.peerSecret, log: log.child({ component: 'grpc-movement' }), observe: metrics.observe,
      });
    },
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
    rings.close();
    throw new StoreError('UNAVAILABLE', `Cannot listen on ${config.bindIp}:${config.port}: ${(err as Error).message}`, { cause: err });
  }
  runner.start();
  durability.start(port);
  // A node that was down while rings were pushed catches up from its peers.
  const ringSync = new RingSync({ ringDir: config.ringDir, names: ['account', 'container', 'object', 'block'], peerSecret: config.peerSecret, log });
  ringSync.start();
  return {
    port, devices, updater, updaterRunner: runner, metrics, durability, rings, movement, activity, usage,
    async stop() {
      ringSync.close();
      if (statsTimer) clearTimeout(statsTimer);
      await durability.stop();
      await runner.stop();
      await server.close();
      clients.close();
      await dbs.close();
      rings.close();
    },
  };
}
