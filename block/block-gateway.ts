/**
 * The block gateway: an NBD server whose exports are Strata volumes. Composition of the block
 * ring (reloaded when the file changes; newer versions fetched from the storage nodes by a
 * RingSync), the extent client, the metadata registers, the volume
 * manager and the NBD server. `startBlockGateway()` is what `strata block-gateway` and the
 * all-in-one call.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { TLSSocketOptions } from 'node:tls';
import { StoreError, silentLogger, systemClock, type Clock, type Logger } from '../common/index.js';
import { RingWatcher, ringFilePath } from '../ring/index.js';
import {
  DEFAULT_RING_SYNC_INTERVAL_MS, ExtentClient, RegisterClient, RingBlockPlacement, RingSync, type BlockPlacement,
} from '../cluster/index.js';
import { startNbdServer } from './nbd/nbd-server.js';
import { VolumeManager } from './volume-manager.js';
import { VolumeExportProvider } from './volume-export-provider.js';

export interface BlockGatewayOptions {
  /** Listen address; default 127.0.0.1. Anything but loopback requires TLS. */
  host?: string;
  /** Default 10809; 0 picks a free port. */
  port?: number;
  peerSecret: string;
  /** Folder holding block.ring.gz (unless `placement` is given). */
  ringDir?: string;
  /** Placement override (tests). */
  placement?: BlockPlacement;
  /** How often newer block rings are fetched from the storage nodes (ms); default 10 s, 0: never. */
  ringSyncMs?: number;
  replicaCount?: number;
  /** TLS for NBD_OPT_STARTTLS (certificates or PSK); `required` defaults to true. */
  tls?: { socketOptions: TLSSocketOptions; required?: boolean };
  leaseTtlMs?: number;
  tickMs?: number;
  log?: Logger;
  clock?: Clock;
}

export interface BlockGateway {
  port: number;
  close(): Promise<void>;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/**
 * Starts the gateway. @throws INVALID_ARGUMENT when listening beyond loopback without TLS;
 * NOT_FOUND when the block ring is missing
 */
export async function startBlockGateway(opts: BlockGatewayOptions): Promise<BlockGateway> {
  const host = opts.host ?? '127.0.0.1';
  const log = (opts.log ?? silentLogger()).child({ component: 'block-gateway' });
  if (!isLoopback(host) && !opts.tls) {
    throw new StoreError('INVALID_ARGUMENT', `Cannot listen on "${host}" without TLS: pass certificates or a PSK file`);
  }
  let watcher: RingWatcher | undefined;
  let ringSync: RingSync | undefined;
  let placement = opts.placement;
  let replicaCount = opts.replicaCount ?? 3;
  if (!placement) {
    if (!opts.ringDir) throw new StoreError('INVALID_ARGUMENT', 'Cannot start the block gateway: no ring folder');
    const w = new RingWatcher(ringFilePath(opts.ringDir, 'block'), { log });
    const ring = await w.start();
    watcher = w;
    replicaCount = ring.replicaCount;
    placement = new RingBlockPlacement(() => w.ring);
    const syncMs = opts.ringSyncMs ?? DEFAULT_RING_SYNC_INTERVAL_MS;
    if (syncMs > 0) {
      ringSync = new RingSync({ ringDir: opts.ringDir, names: ['block'], peerSecret: opts.peerSecret, log, intervalMs: syncMs });
      ringSync.start();
    }
  }
  const extents = new ExtentClient({ peerSecret: opts.peerSecret });
  const holder = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const registers = new RegisterClient(extents, placement, { proposerId: holder });
  const clock = opts.clock ?? systemClock;
  const manager = new VolumeManager({ registers, extents, placement, clock });
  const provider = new VolumeExportProvider(manager, {
    extents, placement, registers, log, replicaCount, holder, clock,
    leaseTtlMs: opts.leaseTtlMs ?? 15_000,
    tickMs: opts.tickMs ?? 1_000,
  });
  const server = await startNbdServer({
    provider, host, port: opts.port ?? 10809, log,
    tls: opts.tls ? { socketOptions: opts.tls.socketOptions, required: opts.tls.required ?? true } : undefined,
  });
  log.info({ host, port: server.port, holder }, 'block gateway listening');
  return {
    port: server.port,
    close: async () => {
      await server.close();
      await provider.close();
      ringSync?.close();
      watcher?.close();
      extents.close();
    },
  };
}
