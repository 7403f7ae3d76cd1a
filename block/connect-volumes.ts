/**
 * Builds a VolumeManager for a cluster from its ring folder and peer secret (what the
 * `strata volume` commands need), with a close() that drops the gRPC channels.
 */
import { Ring, ringFilePath } from '../ring/index.js';
import { ExtentClient, RegisterClient, RingBlockPlacement } from '../cluster/index.js';
import { VolumeManager } from './volume-manager.js';

export interface VolumeAdmin {
  manager: VolumeManager;
  close(): void;
}

/** @throws NOT_FOUND, CORRUPT when the block ring cannot be read */
export async function connectVolumeManager(opts: { ringDir: string; peerSecret: string; timeoutMs?: number }): Promise<VolumeAdmin> {
  const ring = await Ring.load(ringFilePath(opts.ringDir, 'block'));
  const placement = new RingBlockPlacement(() => ring);
  const extents = new ExtentClient({ peerSecret: opts.peerSecret, timeoutMs: opts.timeoutMs ?? 5_000 });
  const registers = new RegisterClient(extents, placement);
  return { manager: new VolumeManager({ registers, extents, placement }), close: () => extents.close() };
}
