/**
 * ExtentCache: what an attached volume knows about its extents: its layer chain (writable layer
 * first), one LayerMap per layer, and the resolved ExtentInfo of the extents touched so far
 * (bounded). Shared by the read path (ReplicatedVolume) and the write path (VolumeWriter); the
 * gateway is the only writer of the volume, so the view stays right while it holds the lease.
 */
import type { BlockPlacement, ExtentClient } from '../cluster/index.js';
import { resolveExtent, type ExtentInfo } from './extent-info.js';
import { LayerMap } from './layer-map.js';

const MAX_CACHED_EXTENTS = 65_536;

/** A piece of an I/O request inside one extent: `offset` in the extent, `at` in the request. */
export interface Piece { index: number; offset: number; length: number; at: number }

/** Splits a byte range at extent boundaries. */
export function splitRange(offset: number, length: number, extentBytes: number): Piece[] {
  const out: Piece[] = [];
  let at = 0;
  while (at < length) {
    const pos = offset + at;
    const index = Math.floor(pos / extentBytes);
    const inner = pos - index * extentBytes;
    const n = Math.min(length - at, extentBytes - inner);
    out.push({ index, offset: inner, length: n, at });
    at += n;
  }
  return out;
}

export class ExtentCache {
  private chain: string[];
  private layerMaps: LayerMap[];
  private readonly infos = new Map<number, ExtentInfo>();

  /** `keep(index, info)` says whether an entry must survive eviction (writes still running on it). */
  constructor(
    private readonly extents: ExtentClient, private readonly placement: BlockPlacement,
    layers: readonly string[], maps: LayerMap[], private readonly keep: (info: ExtentInfo) => boolean,
  ) {
    this.chain = [...layers];
    this.layerMaps = maps;
  }

  /** Layers, writable first. */
  get layers(): readonly string[] {
    return this.chain;
  }

  get top(): string {
    return this.chain[0];
  }

  get topMap(): LayerMap {
    return this.layerMaps[0];
  }

  /** Cached info without a network call. */
  peek(index: number): ExtentInfo | undefined {
    return this.infos.get(index);
  }

  values(): IterableIterator<ExtentInfo> {
    return this.infos.values();
  }

  /** False when no layer stores the extent (it reads as zeros with no call). */
  anyLayerHas(index: number): boolean {
    return this.infos.has(index) || this.layerMaps.some((m) => m.has(index));
  }

  /**
   * The extent's info, resolved from the replicas on first use; `probeTop` forces asking the
   * writable layer's replicas (before a write). @throws QUORUM_NOT_MET
   */
  async info(index: number, probeTop: boolean): Promise<ExtentInfo> {
    const cached = this.infos.get(index);
    if (cached && (cached.probed || !probeTop)) return cached;
    const info = await resolveExtent(this.extents, this.placement, this.chain, this.layerMaps, index, probeTop);
    const again = this.infos.get(index);
    if (again && (again.probed || !probeTop)) return again;
    this.infos.set(index, info);
    if (this.infos.size > MAX_CACHED_EXTENTS) this.evict();
    return info;
  }

  private evict(): void {
    for (const [i, info] of this.infos) {
      if (this.infos.size <= MAX_CACHED_EXTENTS / 2) break;
      // An extent with writes still running keeps its info: a late failure must be recorded.
      if (info.stale.size === 0 && info.bumped && !this.keep(info)) this.infos.delete(i);
    }
  }

  /** NBD base:allocation flags of an extent (0 data, 3 hole reading as zeros), with no call. */
  allocationFlags(index: number): number {
    const info = this.infos.get(index);
    if (info?.exists) return info.zeroed ? 3 : 0;
    for (const m of this.layerMaps) if (m.has(index)) return m.isZeroed(index) ? 3 : 0;
    return 3;
  }

  /** Continues on a new layer chain (after a snapshot); maps of layers kept are reused. */
  reset(layers: readonly string[]): void {
    const kept = new Map(this.chain.map((l, i) => [l, this.layerMaps[i]]));
    this.layerMaps = layers.map((l) => kept.get(l) ?? new LayerMap(l));
    this.chain = [...layers];
    this.infos.clear();
  }
}
