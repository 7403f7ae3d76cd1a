/**
 * The three repairs the gateway makes on one extent of a volume's writable layer, each called
 * while holding the extent exclusively:
 * - copy-up: before the first partial write over parent data, copy the parent's extent into the
 *   writable layer (copy-on-write of snapshots and clones);
 * - bump: after a replica missed a write, raise the generation of the fresh replicas, so the
 *   stale one is recognised as such by anyone, even after a gateway restart;
 * - resync: copy the extent from a fresh replica over a stale one.
 */
import { StoreError } from '../common/index.js';
import type { BlockReplica, ExtentClient } from '../cluster/index.js';
import { freshReplicas, majorityOf, type ExtentInfo } from './extent-info.js';

/** Reads a range from the first replica that answers at the expected generation; undefined = zeros. */
export async function readFromReplicas(
  extents: ExtentClient, replicas: BlockReplica[], layer: string, index: number, offset: number, length: number, minGeneration: number,
): Promise<Buffer | undefined> {
  let lastError: unknown;
  const start = replicas.length > 1 ? index % replicas.length : 0;
  for (let k = 0; k < replicas.length; k++) {
    const r = replicas[(start + k) % replicas.length];
    try {
      const res = await extents.read(r, { layer, index, offset, length });
      if (res.state.generation < minGeneration || !res.state.exists) {
        lastError = new StoreError('STALE', `Cannot read extent ${layer}/${index} from ${r.ip}:${r.port}/${r.device}: replica behind`);
        continue;
      }
      return res.data.length === 0 ? undefined : res.data;
    } catch (err) {
      lastError = err;
    }
  }
  throw new StoreError('UNAVAILABLE', `Cannot read extent ${layer}/${index}: no fresh replica answers`, { cause: lastError });
}

/** Copies the parent's extent into the writable layer. @throws QUORUM_NOT_MET, UNAVAILABLE */
export async function copyUp(extents: ExtentClient, info: ExtentInfo, top: string, extentBytes: number): Promise<void> {
  const src = info.source;
  if (info.exists || !src || src.zeroed) return;
  const data = await readFromReplicas(extents, src.fresh, src.layer, info.index, 0, extentBytes, 0);
  const fresh = freshReplicas(info);
  const results = await Promise.allSettled(fresh.map((r) => extents.replace(r, top, info.index, info.generation, data ?? Buffer.alloc(0))));
  let ok = 0;
  results.forEach((res, i) => {
    if (res.status === 'fulfilled') ok++;
    else markStale(info, fresh[i]);
  });
  if (ok < majorityOf(info.replicas.length)) {
    throw new StoreError('QUORUM_NOT_MET', `Cannot copy extent ${info.index} into layer "${top}": only ${ok} replicas took it`);
  }
  info.exists = true;
  info.zeroed = false;
  info.source = undefined;
}

/** Raises the fresh replicas' generation above the stale ones'. @throws QUORUM_NOT_MET */
export async function bump(extents: ExtentClient, info: ExtentInfo, top: string): Promise<void> {
  if (info.bumped) return;
  const fresh = freshReplicas(info);
  const from = info.generation;
  const results = await Promise.allSettled(fresh.map((r) => extents.setGeneration(r, top, info.index, from, from + 1)));
  let ok = 0;
  results.forEach((res, i) => {
    if (res.status === 'fulfilled') ok++;
    else info.stale.add(fresh[i].id);
  });
  // Whatever happened, the replicas that moved are at from + 1 now: follow them.
  info.generation = from + 1;
  if (ok < majorityOf(info.replicas.length)) {
    throw new StoreError('QUORUM_NOT_MET', `Cannot raise generation of extent ${top}/${info.index}: only ${ok} replicas answer`);
  }
  info.bumped = true;
  if (!info.exists) {
    // setGeneration created header-only files: the extent now exists and reads as zeros.
    info.exists = true;
    info.zeroed = true;
  }
}

/** Copies the extent from a fresh replica over every stale one that answers; returns how many. */
export async function resync(extents: ExtentClient, info: ExtentInfo, top: string, extentBytes: number): Promise<number> {
  if (info.stale.size === 0) return 0;
  if (!info.exists && info.source && !info.source.zeroed) await copyUp(extents, info, top, extentBytes);
  await bump(extents, info, top);
  const fresh = freshReplicas(info);
  const data = info.zeroed ? undefined : await readFromReplicas(extents, fresh, top, info.index, 0, extentBytes, info.generation);
  let fixed = 0;
  for (const r of info.replicas.filter((x) => info.stale.has(x.id))) {
    try {
      await extents.replace(r, top, info.index, info.generation, info.zeroed ? undefined : data ?? Buffer.alloc(0));
      info.stale.delete(r.id);
      fixed++;
    } catch {
      // Still down: retried on the next pass.
    }
  }
  return fixed;
}

/** Marks a replica stale; the fresh ones must be bumped before the write is acknowledged. */
export function markStale(info: ExtentInfo, r: BlockReplica): void {
  info.stale.add(r.id);
  info.bumped = false;
}
