/**
 * Delivery of listing updates between storage nodes:
 * - object → container: after an object write is durable, its row goes to each container
 *   replica the proxy named (container_updates). The node waits for the answers (bounded by
 *   `timeoutMs`) before acknowledging the write, so a listing right after a PUT shows the
 *   object; a replica that fails or is slow gets the row journalled on the object's device
 *   (synchronously) and the updater retries it.
 * - container → account: container stats changes mark the container dirty (container-store.ts);
 *   sendAccountStats() sends the current row to the account replicas and clears the mark once all
 *   accepted. PUT/DELETE container call it inline; the updater sweeps the rest.
 */
import type { Logger } from '../common/index.js';
import type { NodeClientPool, ObjectRowMsg } from '../cluster/index.js';
import type { MetaDbs, TargetValue, JournalEntry } from './meta-db.js';
import type { ContainerStore, ObjectRow } from './container-store.js';
import { RowBatcher } from './listing-row-batcher.js';

export interface ListingUpdatesOptions {
  dbs: MetaDbs;
  clients: NodeClientPool;
  containers: ContainerStore;
  log: Logger;
  /** Longest wait for one replica's answer before the update is journalled (ms). */
  timeoutMs: number;
  nowMs?: () => number;
  /**
   * The account replicas of an account under the account ring in use (undefined: no ring). The
   * targets a container record keeps were chosen when it was created; after a rebalance they may
   * name a device that no longer holds the account, so the current ring wins when there is one.
   */
  accountTargets?: (account: string) => TargetValue[] | undefined;
}

export class ListingUpdates {
  private seq = 0;
  private readonly nowMs: () => number;
  /** Rows of concurrent writes for one container replica share a call (listing-row-batcher.ts). */
  private readonly batcher: RowBatcher;

  constructor(private readonly opts: ListingUpdatesOptions) {
    this.nowMs = opts.nowMs ?? Date.now;
    this.batcher = new RowBatcher((target, account, container, rows) => this.sendRows(target, account, container, rows));
  }

  /** Sends one update; rejects with the node's StoreError. */
  async sendRows(target: TargetValue, account: string, container: string, rows: ObjectRow[]): Promise<void> {
    const client = this.opts.clients.get(target.ip, target.port);
    await client.updateContainer(
      { ref: { device: target.device, partition: target.partition, account, container }, rows: rows as ObjectRowMsg[] },
      { timeoutMs: this.opts.timeoutMs },
    );
  }

  /**
   * Delivers rows to every target, journalling on `device` those that fail. Rows of concurrent
   * writes for the same replica and container travel in one call; each caller still returns
   * only once its rows were accepted or journalled. Never throws: a journal write failure is
   * logged (the replicator is then the only repair).
   */
  async deliverRows(device: string, targets: readonly TargetValue[], account: string, container: string, rows: ObjectRow[]): Promise<void> {
    await Promise.all(targets.map(async (target) => {
      const err = await this.batcher.deliver(target, account, container, rows);
      if (err === undefined) return;
      this.opts.log.debug({ err, target, account, container }, 'container update failed; journalled');
      await this.journal(device, { target, account, container, rows, firstMs: this.nowMs() });
    }));
  }

  /** Adds an entry to the device's journal (sync write). */
  async journal(device: string, entry: JournalEntry): Promise<void> {
    try {
      const d = await this.opts.dbs.get(device);
      const key = `${String(this.nowMs()).padStart(15, '0')}:${String(this.seq++).padStart(8, '0')}`;
      await d.db.batch().put(key, entry, { sublevel: d.journal }).write({ sync: true });
    } catch (err) {
      this.opts.log.error({ err, device, account: entry.account, container: entry.container }, 'cannot journal a container update');
    }
  }

  /**
   * Sends a dirty container's stats to its account replicas; clears the mark when all accepted.
   * Returns true when nothing is left to send for it.
   */
  async sendAccountStats(device: string, key: string): Promise<boolean> {
    const stats = await this.opts.containers.dirtyStats(device, key);
    if (!stats) return true;
    const { row } = stats;
    if (row) {
      const targets = this.opts.accountTargets?.(stats.account) ?? stats.targets;
      const results = await Promise.allSettled(targets.map((t) => this.opts.clients.get(t.ip, t.port).updateAccount(
        { ref: { device: t.device, partition: t.partition, account: stats.account }, rows: [row] },
        { timeoutMs: this.opts.timeoutMs },
      )));
      const failed = results.filter((r) => r.status === 'rejected');
      if (failed.length > 0) {
        this.opts.log.debug({ account: stats.account, container: stats.container, failed: failed.length }, 'account update failed; will retry');
        return false;
      }
    }
    await this.opts.containers.clearDirty(device, key, stats.version);
    return true;
  }
}
