/**
 * ReplicatedObjectCluster: the ObjectCluster the Swift and S3 APIs use in production. It places
 * each request with the account, container and object rings, talks gRPC to the storage nodes,
 * stamps writes with timestamps, applies quorum, handoffs and error limiting. Objects here;
 * containers and accounts in listing-ops.ts.
 */
import {
  StoreError, TimestampSource, silentLogger, systemClock, compareTimestamps, errorCodeOf,
  type Clock, type Logger, type Timestamp,
} from '../common/index.js';
import { ErrorLimiter } from './error-limiter.js';
import { ListingOps } from './listing-ops.js';
import { NodeClientPool } from './node-client-pool.js';
import type {
  AccountInfo, ContainerInfo, ContainerListingEntry, ContainerPath, GetObjectRequest, GetObjectResult, ListingOptions,
  ObjectCluster, ObjectListingEntry, ObjectMeta, ObjectPath, PostObjectRequest, PutObjectRequest, PutObjectResult, SubdirEntry, ByteRange,
} from './object-cluster.js';
import { Placement, deviceKey, ringPath, type PlacedNode, type RingSource } from './placement.js';
import { putFanout } from './put-fanout.js';
import { putSmallFanout, readSmallBody } from './put-small-fanout.js';
import { callNode, readAllPrimaries, readFirst, writePrevious, writeQuorum, type ReplicaDeps } from './replica-calls.js';
import { resumingBody } from './resuming-body.js';
import { errorLimiterConfigOf, type ReplicatedClusterConfig } from './replicated-cluster-config.js';
import type { GetObjectRequestMsg, ObjectMetaMsg, ObjectRefMsg, PostObjectRequestMsg, PutObjectHeaderMsg } from './storage-messages.js';
import { updateTargetsFor } from './update-targets.js';

export interface ReplicatedObjectClusterDeps {
  rings: { account: RingSource; container: RingSource; object: RingSource };
  /** Resolved config (resolveReplicatedClusterConfig). */
  config: Readonly<ReplicatedClusterConfig>;
  /** Shared channels; made from the config when absent (and closed by `close()` then). */
  pool?: NodeClientPool;
  clock?: Clock;
  timestamps?: TimestampSource;
  log?: Logger;
}

export class ReplicatedObjectCluster implements ObjectCluster {
  private readonly deps: ReplicaDeps;
  private readonly objects: Placement;
  private readonly listings: ListingOps;
  private readonly timestamps: TimestampSource;
  private readonly clock: Clock;
  private readonly ownsPool: boolean;
  /** Devices avoided after recent failures (exposed for health reports and tests). */
  readonly limiter: ErrorLimiter;

  constructor(private readonly opts: ReplicatedObjectClusterDeps) {
    const log = opts.log ?? silentLogger();
    this.clock = opts.clock ?? systemClock;
    this.timestamps = opts.timestamps ?? new TimestampSource(() => this.clock.nowMs());
    this.limiter = new ErrorLimiter(errorLimiterConfigOf(opts.config), this.clock, log);
    this.ownsPool = !opts.pool;
    const pool = opts.pool ?? new NodeClientPool(opts.config);
    this.deps = { pool, limiter: this.limiter, log };
    const maxHandoffs = opts.config.maxHandoffs;
    this.objects = new Placement(opts.rings.object, this.limiter, maxHandoffs);
    this.listings = new ListingOps(
      this.deps,
      new Placement(opts.rings.account, this.limiter, maxHandoffs),
      new Placement(opts.rings.container, this.limiter, maxHandoffs),
      this.timestamps, this.clock, opts.config.containerCacheTtlMs,
    );
  }

  async putObject(req: PutObjectRequest): Promise<PutObjectResult> {
    const action = `Cannot PUT object "${pathOf(req)}"`;
    await this.listings.requireContainer(req);
    if (req.ifNoneMatchAny) {
      // Checked here before any body byte moves; the nodes check again at commit time.
      const exists = await this.headObject(req).then(() => true, (err: unknown) => {
        if (err instanceof StoreError && err.code === 'NOT_FOUND') return false;
        throw err;
      });
      if (exists) throw new StoreError('PRECONDITION_FAILED', `${action}: it exists and If-None-Match is "*"`);
    }
    const p = this.objects.locate(ringPath(req.account, req.container, req.object));
    const containerPart = this.listings.containerPlacement(req);
    const { targets, spares } = this.objects.writeTargets(p);
    const common = {
      targets, spares, replicaCount: p.replicaCount,
      headerFor: (node: PlacedNode): PutObjectHeaderMsg => ({
        ref: objectRef(req, node.device.device, p.partition),
        contentType: req.contentType,
        metadata: req.metadata,
        deleteAtMs: req.deleteAtMs ?? 0,
        contentLength: req.contentLength ?? -1,
        ifNoneMatchAny: req.ifNoneMatchAny ?? false,
        containerUpdates: updateTargetsFor(node.slot, p.replicaCount, containerPart),
      }),
      contentLength: req.contentLength,
      expectedEtag: req.expectedEtag,
      nextTimestamp: () => this.timestamps.next(),
      signal: req.signal,
      action,
    };
    // A body that fits in one chunk would travel as one chunk message anyway: read it whole and
    // send one message per replica (put-small-fanout.ts).
    if (req.contentLength !== undefined && req.contentLength <= this.opts.config.chunkSize) {
      return putSmallFanout({ ...common, body: await readSmallBody(req.body, req.contentLength, action) }, this.deps);
    }
    return putFanout({ ...common, body: req.body, chunkSize: this.opts.config.chunkSize }, this.deps);
  }

  /** Reads from the first replica that answers; a body broken part way resumes on another. */
  async getObject(req: GetObjectRequest): Promise<GetObjectResult> {
    const p = this.objects.locate(ringPath(req.account, req.container, req.object));
    const action = `Cannot GET object "${pathOf(req)}"`;
    let servedBy: PlacedNode | undefined;
    const res = await readFirst(this.deps, this.objects, p, async (client, node) => {
      const msg: GetObjectRequestMsg = { ref: objectRef(req, node.device.device, p.partition), ...rangeFields(req.range), acceptInline: true };
      const { head, body } = await client.getObject(msg, { signal: req.signal });
      const meta = toObjectMeta(head.meta);
      if (this.isExpired(meta)) {
        body.destroy();
        throw new StoreError('NOT_FOUND', `${action}: expired`);
      }
      servedBy = node;
      return { meta, body, range: head.ranged ? { start: head.rangeStart, end: head.rangeEnd } : undefined };
    }, action);
    const tried = new Set([deviceKey((servedBy as PlacedNode).device)]);
    const start = res.range?.start ?? 0;
    const end = res.range?.end ?? res.meta.size - 1;
    const body = resumingBody(res.body, {
      start, end, maxResumes: p.replicaCount,
      resume: async (offset, cause) => {
        if (req.signal?.aborted) throw cause;
        this.limiter.recordError(deviceKey((servedBy as PlacedNode).device), cause instanceof StoreError ? cause.code : 'UNAVAILABLE');
        this.deps.log.warn({ object: pathOf(req), offset, err: (cause as Error).message }, 'GET body broke; resuming on another replica');
        for (const node of this.objects.readOrder(p)) {
          const key = deviceKey(node.device);
          if (tried.has(key)) continue;
          tried.add(key);
          const outcome = await callNode(this.deps, node, (client) => client.getObject(
            { ref: objectRef(req, node.device.device, p.partition), ranged: true, rangeStart: offset, rangeEnd: end, suffixLength: 0 },
            { signal: req.signal }));
          if (!outcome.ok) continue;
          const m = outcome.value.head.meta;
          if (m.timestamp === res.meta.timestamp && m.etag === res.meta.etag) {
            servedBy = node;
            return outcome.value.body;
          }
          outcome.value.body.destroy();
        }
        throw new StoreError('UNAVAILABLE', `${action}: the replica failed at byte ${offset} and no other replica has this version`, { cause });
      },
    });
    return { ...res, body };
  }

  /** Asks the healthy primaries at once; the newest answer wins. */
  async headObject(path: ObjectPath): Promise<ObjectMeta> {
    const p = this.objects.locate(ringPath(path.account, path.container, path.object));
    const action = `Cannot HEAD object "${pathOf(path)}"`;
    const answers = await readAllPrimaries(this.deps, this.objects, p, (client, node) =>
      client.headObject(objectRef(path, node.device.device, p.partition)), action);
    let newest = toObjectMeta(answers[0]!.meta);
    for (const a of answers.slice(1)) {
      const m = toObjectMeta(a.meta);
      const c = compareTimestamps(m.timestamp, newest.timestamp) || compareTimestamps(m.metaTimestamp, newest.metaTimestamp);
      if (c > 0) newest = m;
    }
    if (this.isExpired(newest)) throw new StoreError('NOT_FOUND', `${action}: expired`);
    return newest;
  }

  /**
   * Writes tombstones with quorum on the primaries; while data moves, also (best effort) on the
   * previous ring's primaries, so that a copy not moved yet cannot be read back.
   * @throws NOT_FOUND when no replica had it, QUORUM_NOT_MET
   */
  async deleteObject(path: ObjectPath): Promise<{ timestamp: Timestamp }> {
    const p = this.objects.locate(ringPath(path.account, path.container, path.object));
    const containerPart = this.listings.containerPlacement(path);
    const timestamp = this.timestamps.next();
    const action = `Cannot DELETE object "${pathOf(path)}"`;
    const ref = (node: PlacedNode): ObjectRefMsg => objectRef(path, node.device.device, p.partition);
    const [acks, previous] = await Promise.all([
      writeQuorum(this.deps, this.objects, p, (client, node) => client.deleteObject({
        ref: ref(node), timestamp, containerUpdates: updateTargetsFor(node.slot, p.replicaCount, containerPart),
      }), action),
      // No container updates from there: the primaries send them.
      writePrevious(this.deps, this.objects, p, (client, node) => client.deleteObject({ ref: ref(node), timestamp, containerUpdates: [] })),
    ]);
    if (!acks.some((a) => a.existed) && !previous.some((a) => a.existed)) throw new StoreError('NOT_FOUND', `${action}: no replica had it`);
    return { timestamp };
  }

  /**
   * Updates metadata with quorum on the primaries; while data moves, also on the previous ring's
   * primaries (best effort). An object not moved yet to a quorum of its new primaries is still
   * found there, so their NOT_FOUND does not fail the request.
   * @throws NOT_FOUND, QUORUM_NOT_MET
   */
  async postObject(req: PostObjectRequest): Promise<{ timestamp: Timestamp }> {
    const p = this.objects.locate(ringPath(req.account, req.container, req.object));
    const containerPart = this.listings.containerPlacement(req);
    const timestamp = this.timestamps.next();
    const msg = (node: PlacedNode, updates: boolean): PostObjectRequestMsg => ({
      ref: objectRef(req, node.device.device, p.partition),
      timestamp,
      metadata: req.metadata,
      contentType: req.contentType ?? '',
      deleteAtMs: req.deleteAtMs === undefined ? -1 : req.deleteAtMs === null ? 0 : req.deleteAtMs,
      containerUpdates: updates ? updateTargetsFor(node.slot, p.replicaCount, containerPart) : [],
    });
    const [primaries, previous] = await Promise.all([
      writeQuorum(this.deps, this.objects, p, (client, node) => client.postObject(msg(node, true)), `Cannot POST object "${pathOf(req)}"`)
        .then(() => undefined, (err: unknown) => err),
      writePrevious(this.deps, this.objects, p, (client, node) => client.postObject(msg(node, false))),
    ]);
    if (primaries !== undefined && !(errorCodeOf(primaries) === 'NOT_FOUND' && previous.length > 0)) throw primaries;
    return { timestamp };
  }

  putContainer(path: ContainerPath, metadata: Record<string, string>): Promise<{ created: boolean }> {
    return this.listings.putContainer(path, metadata);
  }
  headContainer(path: ContainerPath): Promise<ContainerInfo> {
    return this.listings.headContainer(path);
  }
  postContainer(path: ContainerPath, metadata: Record<string, string>): Promise<void> {
    return this.listings.postContainer(path, metadata);
  }
  deleteContainer(path: ContainerPath): Promise<void> {
    return this.listings.deleteContainer(path);
  }
  listContainer(path: ContainerPath, opts: ListingOptions): Promise<Array<ObjectListingEntry | SubdirEntry>> {
    return this.listings.listContainer(path, opts);
  }
  headAccount(account: string): Promise<AccountInfo> {
    return this.listings.headAccount(account);
  }
  postAccount(account: string, metadata: Record<string, string>): Promise<void> {
    return this.listings.postAccount(account, metadata);
  }
  listAccount(account: string, opts: ListingOptions): Promise<Array<ContainerListingEntry | SubdirEntry>> {
    return this.listings.listAccount(account, opts);
  }

  /** Closes the gRPC channels if this cluster made them. */
  close(): void {
    if (this.ownsPool) this.deps.pool.close();
  }

  private isExpired(meta: ObjectMeta): boolean {
    return meta.deleteAtMs !== undefined && meta.deleteAtMs <= this.clock.nowMs();
  }
}

function pathOf(p: ObjectPath): string {
  return `${p.account}/${p.container}/${p.object}`;
}

function objectRef(p: ObjectPath, device: string, partition: number): ObjectRefMsg {
  return { device, partition, account: p.account, container: p.container, object: p.object };
}

function rangeFields(range: ByteRange | undefined): Omit<GetObjectRequestMsg, 'ref'> {
  if (!range) return { ranged: false, rangeStart: 0, rangeEnd: -1, suffixLength: 0 };
  if ('suffix' in range) return { ranged: true, rangeStart: 0, rangeEnd: -1, suffixLength: range.suffix };
  return { ranged: true, rangeStart: range.start, rangeEnd: range.end ?? -1, suffixLength: 0 };
}

/** Wire metadata → ObjectMeta (0 means "never expires" on the wire). */
export function toObjectMeta(m: ObjectMetaMsg): ObjectMeta {
  return {
    size: m.size, etag: m.etag, checksum: m.checksum, contentType: m.contentType,
    timestamp: m.timestamp, metaTimestamp: m.metaTimestamp || m.timestamp,
    deleteAtMs: m.deleteAtMs > 0 ? m.deleteAtMs : undefined,
    metadata: m.metadata,
  };
}
