/**
 * VolumeAttachment: a volume opened for writing by this gateway, shared by every NBD connection
 * to it (multi-conn). It holds the volume's lease, renewing it on a timer; on each tick it also
 * takes snapshots requested through the lease register (with I/O quiesced, so the snapshot is a
 * point in time), picks up online size changes, scrubs the volume's extents for replicas that
 * missed writes before it attached, and resyncs stale replicas. When the lease cannot
 * be renewed before it expires, writes are fenced off.
 */
import { StoreError, type Clock, type Logger } from '../common/index.js';
import type { RegisterClient } from '../cluster/index.js';
import { findVolume, parseCatalog, snapshotVolume, type VolumeRecord } from './volume-catalog.js';
import { isLive, leaseKey, parseLease, takeLease, type LeaseValue } from './volume-lease.js';
import { CATALOG_KEY } from './volume-manager.js';
import { ReplicatedVolume, type VolumeIoDeps } from './replicated-volume.js';

export interface AttachmentDeps extends VolumeIoDeps {
  registers: RegisterClient;
  holder: string;
  leaseTtlMs: number;
  tickMs: number;
  clock: Clock;
}

export class VolumeAttachment {
  refs = 0;
  private timer?: NodeJS.Timeout;
  private ticking = false;
  private expiresAtMs = 0;
  private readonly log: Logger;

  private constructor(private readonly deps: AttachmentDeps, readonly record: VolumeRecord, readonly volume: ReplicatedVolume) {
    this.log = deps.log.child({ volume: record.name });
  }

  /** Takes the lease and opens the volume. @throws IN_USE, QUORUM_NOT_MET */
  static async attach(deps: AttachmentDeps, record: VolumeRecord): Promise<VolumeAttachment> {
    const lease = await VolumeAttachment.renew(deps, record);
    const volume = await ReplicatedVolume.open(deps, record, false);
    const a = new VolumeAttachment(deps, record, volume);
    a.expiresAtMs = lease.expiresAtMs;
    a.timer = setInterval(() => void a.tick(), deps.tickMs);
    a.timer.unref();
    a.log.info({ holder: deps.holder }, 'volume attached');
    return a;
  }

  private static async renew(deps: AttachmentDeps, record: VolumeRecord): Promise<LeaseValue> {
    const text = await deps.registers.change(leaseKey(record.id), (cur) =>
      JSON.stringify(takeLease(parseLease(cur), deps.holder, deps.clock.nowMs(), deps.leaseTtlMs, record.name)));
    return parseLease(text) as LeaseValue;
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      let lease: LeaseValue;
      try {
        lease = await VolumeAttachment.renew(this.deps, this.record);
        this.expiresAtMs = lease.expiresAtMs;
        this.volume.fenced = false;
      } catch (err) {
        // Fence a few ticks before expiry, so writes stop before another gateway may take over.
        const fenceAtMs = this.expiresAtMs - 3 * this.deps.tickMs;
        if ((err instanceof StoreError && err.code === 'IN_USE') || this.deps.clock.nowMs() >= fenceAtMs) {
          if (!this.volume.fenced) this.log.error({ err: (err as Error).message }, 'lease lost: writes fenced');
          this.volume.fenced = true;
        }
        return;
      }
      for (const req of lease.requests) if (!req.doneSnapshotId && !req.error) await this.takeSnapshot(req.id, req.name);
      await this.refreshSize();
      await this.volume.scrubStep();
      if (this.volume.staleExtents > 0) {
        const fixed = await this.volume.resyncOnce();
        if (fixed > 0) this.log.info({ fixed, left: this.volume.staleExtents }, 'resynced stale replicas');
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'attachment tick failed');
    } finally {
      this.ticking = false;
    }
  }

  private async takeSnapshot(reqId: string, name: string): Promise<void> {
    let done: { snapshotId?: string; error?: string; code?: string } = {};
    try {
      await this.volume.quiesced(async () => {
        let layers: string[] | undefined;
        await this.deps.registers.change(CATALOG_KEY, (text) => {
          const { catalog, snapshot } = snapshotVolume(parseCatalog(text), this.record.id, name, this.deps.clock.nowMs());
          layers = findVolume(catalog, this.record.id).layers;
          done = { snapshotId: snapshot.id };
          return JSON.stringify(catalog);
        });
        return layers;
      });
      this.log.info({ snapshot: name }, 'snapshot taken');
    } catch (err) {
      done = { error: (err as Error).message, code: err instanceof StoreError ? err.code : 'INTERNAL' };
    }
    await this.deps.registers.change(leaseKey(this.record.id), (cur) => {
      const lease = parseLease(cur);
      if (!lease) return cur;
      const requests = lease.requests.map((r) => (r.id === reqId ? { ...r, doneSnapshotId: done.snapshotId, error: done.error, errorCode: done.code } : r));
      // Keep the latest answers only; requesters poll within seconds.
      return JSON.stringify({ ...lease, requests: requests.slice(-16) });
    });
  }

  private async refreshSize(): Promise<void> {
    const v = findVolume(parseCatalog(await this.deps.registers.read(CATALOG_KEY)), this.record.id);
    if (v.sizeBytes > this.volume.sizeBytes) {
      this.log.info({ from: this.volume.sizeBytes, to: v.sizeBytes }, 'volume extended');
      this.volume.sizeBytes = v.sizeBytes;
    }
  }

  /** Flushes, stops renewing and gives the lease back. */
  async detach(): Promise<void> {
    clearInterval(this.timer);
    try {
      await this.volume.flush();
    } finally {
      await this.deps.registers.change(leaseKey(this.record.id), (cur) => {
        const lease = parseLease(cur);
        if (!isLive(lease, this.deps.clock.nowMs()) || lease.holder !== this.deps.holder) return cur;
        return JSON.stringify({ ...lease, holder: '', expiresAtMs: 0 });
      }).catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'lease release failed; it will expire'));
      this.log.info('volume detached');
    }
  }
}
