/**
 * Containers and accounts over their rings: PUT/HEAD/POST/DELETE with quorum, listings from the
 * first replica that answers, accounts that read as empty until first written. Also the brief
 * cache of container existence that object writes consult.
 */
import { StoreError, timestampToMs, type Clock, type TimestampSource } from '../common/index.js';
import type {
  AccountInfo, ContainerInfo, ContainerListingEntry, ContainerPath, ListingOptions, ObjectListingEntry, SubdirEntry,
} from './object-cluster.js';
import { ringPath, type Placement } from './placement.js';
import { readFirst, writeQuorum, type ReplicaDeps } from './replica-calls.js';
import { updateTargetsFor } from './update-targets.js';
import type { ContainerRefMsg, ListRequestMsg } from './storage-messages.js';

const MAX_CACHED_CONTAINERS = 10_000;

export class ListingOps {
  /** account/container → monotonic ms until which it is known to exist. */
  private readonly knownContainers = new Map<string, number>();

  constructor(
    private readonly deps: ReplicaDeps,
    private readonly accounts: Placement,
    private readonly containers: Placement,
    private readonly timestamps: TimestampSource,
    private readonly clock: Clock,
    private readonly cacheTtlMs: number,
  ) {}

  /** Partition and primaries of a container, for object writes' container_updates. */
  containerPlacement(path: ContainerPath): { partition: number; primaries: ReturnType<Placement['locate']>['primaries'] } {
    return this.containers.locate(ringPath(path.account, path.container));
  }

  /**
   * Checks that a container exists, trusting a recent positive answer.
   * @throws NOT_FOUND, QUORUM_NOT_MET
   */
  async requireContainer(path: ContainerPath): Promise<void> {
    const key = `${path.account}/${path.container}`;
    const until = this.knownContainers.get(key);
    if (until !== undefined && until > this.clock.monoMs()) return;
    await this.headContainer(path);
    this.remember(key);
  }

  async putContainer(path: ContainerPath, metadata: Record<string, string>): Promise<{ created: boolean }> {
    const p = this.containers.locate(ringPath(path.account, path.container));
    const accountPart = this.accounts.locate(ringPath(path.account));
    const timestamp = this.timestamps.next();
    const results = await writeQuorum(this.deps, this.containers, p, (client, node) => client.putContainer({
      ref: this.ref(path, node.device.device, p.partition),
      timestamp,
      metadata,
      accountUpdates: updateTargetsFor(node.slot, p.replicaCount, accountPart),
    }), `Cannot PUT container "${path.account}/${path.container}"`);
    this.remember(`${path.account}/${path.container}`);
    return { created: results.some((r) => r.created) };
  }

  async headContainer(path: ContainerPath): Promise<ContainerInfo> {
    const p = this.containers.locate(ringPath(path.account, path.container));
    const info = await readFirst(this.deps, this.containers, p, (client, node) =>
      client.headContainer(this.ref(path, node.device.device, p.partition)),
    `Cannot HEAD container "${path.account}/${path.container}"`);
    return {
      objectCount: info.objectCount,
      bytesUsed: info.bytesUsed,
      putTimestamp: info.putTimestamp,
      createdAtMs: info.putTimestamp ? timestampToMs(info.putTimestamp) : 0,
      metadata: info.metadata,
    };
  }

  async postContainer(path: ContainerPath, metadata: Record<string, string>): Promise<void> {
    const p = this.containers.locate(ringPath(path.account, path.container));
    const timestamp = this.timestamps.next();
    await writeQuorum(this.deps, this.containers, p, (client, node) => client.postContainer({
      ref: this.ref(path, node.device.device, p.partition), timestamp, metadata,
    }), `Cannot POST container "${path.account}/${path.container}"`);
  }

  async deleteContainer(path: ContainerPath): Promise<void> {
    const p = this.containers.locate(ringPath(path.account, path.container));
    const accountPart = this.accounts.locate(ringPath(path.account));
    const timestamp = this.timestamps.next();
    this.knownContainers.delete(`${path.account}/${path.container}`);
    await writeQuorum(this.deps, this.containers, p, (client, node) => client.deleteContainer({
      ref: this.ref(path, node.device.device, p.partition),
      timestamp,
      accountUpdates: updateTargetsFor(node.slot, p.replicaCount, accountPart),
    }), `Cannot DELETE container "${path.account}/${path.container}"`);
  }

  async listContainer(path: ContainerPath, opts: ListingOptions): Promise<Array<ObjectListingEntry | SubdirEntry>> {
    const p = this.containers.locate(ringPath(path.account, path.container));
    const res = await readFirst(this.deps, this.containers, p, (client, node) =>
      client.listContainer(listRequest(node.device.device, p.partition, path.account, path.container, opts)),
    `Cannot list container "${path.account}/${path.container}"`);
    const out: Array<ObjectListingEntry | SubdirEntry> = [];
    for (const e of res.entries) {
      if (e.entry === 'subdir') out.push({ subdir: e.subdir });
      else if (!e.object.deleted) {
        const o = e.object;
        out.push({
          name: o.name, size: o.size, etag: o.etag, contentType: o.contentType, timestamp: o.timestamp,
          lastModifiedMs: o.timestamp ? timestampToMs(o.timestamp) : 0,
        });
      }
    }
    return out;
  }

  /** A never-written account reads as empty. */
  async headAccount(account: string): Promise<AccountInfo> {
    const p = this.accounts.locate(ringPath(account));
    try {
      const info = await readFirst(this.deps, this.accounts, p, (client, node) =>
        client.headAccount({ device: node.device.device, partition: p.partition, account }),
      `Cannot HEAD account "${account}"`);
      return { containerCount: info.containerCount, objectCount: info.objectCount, bytesUsed: info.bytesUsed, metadata: info.metadata };
    } catch (err) {
      if (err instanceof StoreError && err.code === 'NOT_FOUND') return { containerCount: 0, objectCount: 0, bytesUsed: 0, metadata: {} };
      throw err;
    }
  }

  async postAccount(account: string, metadata: Record<string, string>): Promise<void> {
    const p = this.accounts.locate(ringPath(account));
    const timestamp = this.timestamps.next();
    await writeQuorum(this.deps, this.accounts, p, (client, node) => client.postAccount({
      ref: { device: node.device.device, partition: p.partition, account }, timestamp, metadata,
    }), `Cannot POST account "${account}"`);
  }

  async listAccount(account: string, opts: ListingOptions): Promise<Array<ContainerListingEntry | SubdirEntry>> {
    const p = this.accounts.locate(ringPath(account));
    let res;
    try {
      res = await readFirst(this.deps, this.accounts, p, (client, node) =>
        client.listAccount(listRequest(node.device.device, p.partition, account, '', opts)),
      `Cannot list account "${account}"`);
    } catch (err) {
      if (err instanceof StoreError && err.code === 'NOT_FOUND') return [];
      throw err;
    }
    const out: Array<ContainerListingEntry | SubdirEntry> = [];
    for (const e of res.entries) {
      if (e.entry === 'subdir') out.push({ subdir: e.subdir });
      else if (!e.container.deleted) {
        const c = e.container;
        out.push({
          name: c.name, objectCount: c.objectCount, bytesUsed: c.bytesUsed,
          lastModifiedMs: c.putTimestamp ? timestampToMs(c.putTimestamp) : 0,
        });
      }
    }
    return out;
  }

  private ref(path: ContainerPath, device: string, partition: number): ContainerRefMsg {
    return { device, partition, account: path.account, container: path.container };
  }

  private remember(key: string): void {
    if (this.cacheTtlMs <= 0) return;
    if (this.knownContainers.size >= MAX_CACHED_CONTAINERS) this.knownContainers.clear();
    this.knownContainers.set(key, this.clock.monoMs() + this.cacheTtlMs);
  }
}

function listRequest(device: string, partition: number, account: string, container: string, o: ListingOptions): ListRequestMsg {
  return {
    device, partition, account, container,
    prefix: o.prefix ?? '', delimiter: o.delimiter ?? '', marker: o.marker ?? '', endMarker: o.endMarker ?? '',
    limit: o.limit, reverse: o.reverse ?? false,
  };
}
