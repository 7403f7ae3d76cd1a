/**
 * What the gateway knows about one extent of an attached volume: the generation of its
 * writable-layer replicas, which of them are fresh (at that generation) and which are stale, and
 * where reads go when the writable layer does not hold it (the newest parent layer that does).
 * Learned once per extent from a majority of replicas, then kept current by the gateway's own
 * writes; the gateway is the only writer, so the view stays right while it holds the lease.
 */
import { StoreError } from '../common/index.js';
import type { BlockPlacement, BlockReplica, ExtentClient, ExtentState } from '../cluster/index.js';
import type { LayerMap } from './layer-map.js';

export interface ExtentSource {
  layer: string;
  fresh: BlockReplica[];
  zeroed: boolean;
}

export interface ExtentInfo {
  index: number;
  /** Generation of the fresh writable-layer replicas. */
  generation: number;
  /** The writable layer holds this extent (possibly as zeros). */
  exists: boolean;
  zeroed: boolean;
  replicas: BlockReplica[];
  /** Ids of writable-layer replicas that must not be read or written until resynced. */
  stale: Set<number>;
  /** Fresh replicas hold a generation above every stale one (bumped since they went stale). */
  bumped: boolean;
  /** The writable layer's replicas were asked (not just assumed absent from the layer map). */
  probed: boolean;
  /** Parent data for reads while the writable layer lacks the extent. */
  source?: ExtentSource;
}

export function majorityOf(n: number): number {
  return Math.floor(n / 2) + 1;
}

export function freshReplicas(info: ExtentInfo): BlockReplica[] {
  return info.replicas.filter((r) => !info.stale.has(r.id));
}

interface Answer { replica: BlockReplica; state: ExtentState }

/** Stats an extent on all its replicas; needs a majority to answer. @throws QUORUM_NOT_MET */
async function statMajority(extents: ExtentClient, replicas: BlockReplica[], layer: string, index: number): Promise<{ answers: Answer[]; silent: BlockReplica[] }> {
  const settled = await Promise.allSettled(replicas.map((r) => extents.stat(r, layer, index, 3_000)));
  const answers: Answer[] = [];
  const silent: BlockReplica[] = [];
  settled.forEach((s, i) => (s.status === 'fulfilled' ? answers.push({ replica: replicas[i], state: s.value }) : silent.push(replicas[i])));
  if (answers.length < majorityOf(replicas.length)) {
    throw new StoreError('QUORUM_NOT_MET', `Cannot read extent ${layer}/${index}: only ${answers.length} of ${replicas.length} replicas answer`);
  }
  return { answers, silent };
}

/** The freshest state among answers: highest generation; existence wins ties. */
function newest(answers: Answer[]): ExtentState {
  let best = answers[0].state;
  for (const a of answers) {
    const s = a.state;
    if (s.generation > best.generation || (s.generation === best.generation && s.exists && !best.exists)) best = s;
  }
  return best;
}

/** True when a replica's answer is behind the newest state. */
function isBehind(s: ExtentState, best: ExtentState): boolean {
  return s.generation < best.generation || (best.exists && !s.exists);
}

/**
 * Resolves an extent. When `maps` say a layer never stored it, no call is made for that layer.
 * `probeTop` forces asking the writable layer's replicas (before a write, so that a leftover
 * minority copy is found), unless the layer's map is a complete listing without the extent.
 * @throws QUORUM_NOT_MET
 */
export async function resolveExtent(
  extents: ExtentClient, placement: BlockPlacement, layers: readonly string[], maps: readonly LayerMap[], index: number, probeTop: boolean,
): Promise<ExtentInfo> {
  const top = layers[0];
  const replicas = placement.extentReplicas(top, index);
  const info: ExtentInfo = { index, generation: 0, exists: false, zeroed: false, replicas, stale: new Set(), bumped: true, probed: false };
  if (probeTop && !maps[0].has(index) && maps[0].complete) {
    // No device lists the extent and this gateway is the layer's only writer: it is on no
    // replica, so the probe (a stat round trip before every first write) is skipped.
    info.probed = true;
  } else if (probeTop || maps[0].has(index)) {
    const { answers, silent } = await statMajority(extents, replicas, top, index);
    info.probed = true;
    const best = newest(answers);
    info.generation = best.generation;
    info.exists = best.exists;
    info.zeroed = best.zeroed;
    for (const a of answers) if (isBehind(a.state, best)) info.stale.add(a.replica.id);
    // A silent replica may have missed writes: treat it as stale until resync proves otherwise.
    for (const r of silent) info.stale.add(r.id);
    info.bumped = info.stale.size === 0;
  }
  if (!info.exists) info.source = await resolveSource(extents, placement, layers, maps, index);
  return info;
}

async function resolveSource(
  extents: ExtentClient, placement: BlockPlacement, layers: readonly string[], maps: readonly LayerMap[], index: number,
): Promise<ExtentSource | undefined> {
  for (let i = 1; i < layers.length; i++) {
    if (!maps[i].has(index)) continue;
    const replicas = placement.extentReplicas(layers[i], index);
    const { answers } = await statMajority(extents, replicas, layers[i], index);
    const best = newest(answers);
    if (!best.exists) continue;
    const fresh = answers.filter((a) => !isBehind(a.state, best)).map((a) => a.replica);
    return { layer: layers[i], fresh, zeroed: best.zeroed };
  }
  return undefined;
}
