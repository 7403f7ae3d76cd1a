/**
 * Extent reclaim: after a snapshot is deleted, its layers may still be read by the volume (or by
 * clones and other snapshots), but only where no newer layer of the reader hides them. An extent
 * of layer L is still needed when some reader's chain has L and none of the layers above L in
 * that chain holds the extent; every other extent of L is freed on every device.
 *
 * "Holds" means durable on a majority of the upper layer's replicas: any majority that a gateway
 * asks then includes a replica that has it, so no reader can fall through to L's copy. The
 * upper extents are flushed first because a volume's writable layer may hold writes that are
 * not durable yet (a crash could drop them and expose L again). Readers only gain layers above
 * L over time (new snapshots and clones copy a chain and add a layer on top) and a stored extent
 * is never removed from a live layer, so a decision made on any later catalog stays safe.
 */
import { StoreError } from '../common/index.js';
import type { BlockPlacement, BlockReplica, ExtentClient } from '../cluster/index.js';
import { majorityOf } from './extent-info.js';
import type { Catalog } from './volume-catalog.js';

/** For each reader of `layer` (volume or snapshot), the layers above it in the reader's chain. */
export function layersAbove(c: Catalog, layer: string): string[][] {
  const out: string[][] = [];
  for (const chain of [...c.volumes.map((v) => v.layers), ...c.snapshots.map((s) => s.layers)]) {
    const at = chain.indexOf(layer);
    if (at >= 0) out.push(chain.slice(0, at));
  }
  return out;
}

/**
 * Extents of a layer that no reader needs: `stored` are the layer's extents, `holds(upper, i)`
 * says whether an upper layer durably holds extent i on a majority. With no reader at all the
 * whole layer is unused (VolumeManager deletes such layers whole).
 */
export function unusedExtents(stored: Iterable<number>, above: string[][], holds: (upper: string, index: number) => boolean): number[] {
  const out: number[] = [];
  for (const i of stored) {
    if (above.every((uppers) => uppers.some((u) => holds(u, i)))) out.push(i);
  }
  return out.sort((a, b) => a - b);
}

export interface ReclaimDeps {
  extents: ExtentClient;
  placement: BlockPlacement;
}

/** Per device (by replica id): the extent indexes a layer stores there; devices that failed to list are absent. */
async function listEverywhere(deps: ReclaimDeps, layer: string): Promise<Map<number, number[]>> {
  const devices = deps.placement.allDevices();
  const res = await Promise.allSettled(devices.map((d) => deps.extents.listLayer(d, layer)));
  const out = new Map<number, number[]>();
  res.forEach((r, k) => {
    if (r.status === 'fulfilled') out.set(devices[k].id, r.value.indexes);
  });
  return out;
}

/**
 * Which of `candidates` an upper layer holds durably on a majority of its replicas: lists the
 * layer, flushes the candidates each device stores (a failed flush does not count), counts.
 */
async function durablyHeld(deps: ReclaimDeps, upper: string, candidates: Set<number>): Promise<Set<number>> {
  const listed = await listEverywhere(deps, upper);
  const byId = new Map(deps.placement.allDevices().map((d) => [d.id, d]));
  const counts = new Map<number, number>();
  await Promise.all([...listed].map(async ([id, indexes]) => {
    const mine = indexes.filter((i) => candidates.has(i));
    const device = byId.get(id) as BlockReplica;
    if (mine.length === 0) return;
    const ok = await deps.extents.flush(device, mine.map((index) => ({ layer: upper, index }))).then(() => true, () => false);
    if (ok) for (const i of mine) counts.set(i, (counts.get(i) ?? 0) + 1);
  }));
  const held = new Set<number>();
  for (const [i, n] of counts) if (n >= majorityOf(deps.placement.extentReplicas(upper, i).length)) held.add(i);
  return held;
}

/**
 * Frees the extents of `layers` that no reader in catalog `c` needs, on every device. Layers no
 * reader has at all are skipped (deleted whole elsewhere). Returns the number of extent files
 * removed (all replicas). @throws UNAVAILABLE when some device could not delete (the extents
 * stay there, unused, until a later reclaim)
 */
export async function reclaimExtents(deps: ReclaimDeps, c: Catalog, layers: readonly string[]): Promise<number> {
  let removed = 0;
  const failures: unknown[] = [];
  for (const layer of layers) {
    const above = layersAbove(c, layer);
    if (above.length === 0) continue;
    const listed = await listEverywhere(deps, layer);
    const stored = new Set<number>([...listed.values()].flat());
    if (stored.size === 0) continue;
    const held = new Map<string, Set<number>>();
    for (const upper of new Set(above.flat())) held.set(upper, await durablyHeld(deps, upper, stored));
    const unused = unusedExtents(stored, above, (u, i) => held.get(u)?.has(i) ?? false);
    if (unused.length === 0) continue;
    const results = await Promise.allSettled(deps.placement.allDevices().map((d) => deps.extents.deleteExtents(d, layer, unused)));
    for (const r of results) {
      if (r.status === 'fulfilled') removed += r.value;
      else failures.push(r.reason);
    }
  }
  if (failures.length > 0) {
    throw new StoreError('UNAVAILABLE', `Cannot free the unused extents on ${failures.length} devices: ${String(failures[0])}`);
  }
  return removed;
}
