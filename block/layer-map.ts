/**
 * LayerMap: which extents of a layer exist, and which of those read as zeros, as two bitmaps
 * (1 bit per extent: a 5 TiB volume of 1 MiB extents takes 640 KiB per bitmap). Built at attach
 * from every device's listing and kept current by the gateway's own writes, so that reads and
 * BLOCK_STATUS of never-written ranges cost no network call.
 */
import { StoreError } from '../common/index.js';
import type { BlockPlacement, ExtentClient } from '../cluster/index.js';

class Bitmap {
  private bits = new Uint8Array(0);

  /** First set bit at or after `from`; -1 when none. */
  next(from: number): number {
    for (let byte = from >> 3; byte < this.bits.length; byte++) {
      if (this.bits[byte] === 0) continue;
      for (let bit = byte === from >> 3 ? from & 7 : 0; bit < 8; bit++) if (this.bits[byte] & (1 << bit)) return byte * 8 + bit;
    }
    return -1;
  }

  has(i: number): boolean {
    return (i >> 3) < this.bits.length && (this.bits[i >> 3] & (1 << (i & 7))) !== 0;
  }

  set(i: number, on: boolean): void {
    if ((i >> 3) >= this.bits.length) {
      if (!on) return;
      const grown = new Uint8Array(Math.max((i >> 3) + 1, this.bits.length * 2));
      grown.set(this.bits);
      this.bits = grown;
    }
    if (on) this.bits[i >> 3] |= 1 << (i & 7);
    else this.bits[i >> 3] &= ~(1 << (i & 7));
  }
}

export class LayerMap {
  private readonly present = new Bitmap();
  private readonly zeroed = new Bitmap();

  /**
   * `complete`: every device answered the listing (or the layer is new), so an extent the map
   * lacks is on no replica at all, and a first write to it needs no probe of its replicas.
   */
  constructor(readonly layer: string, readonly complete = true) {}

  /** True when some replica stores this extent (it may read as zeros). */
  has(index: number): boolean {
    return this.present.has(index);
  }

  /** Next stored extent at or after `from`; -1 when none. */
  next(from: number): number {
    return this.present.next(from);
  }

  /** True when the extent is stored and known to read as zeros. */
  isZeroed(index: number): boolean {
    return this.zeroed.has(index);
  }

  mark(index: number, zeroed: boolean): void {
    this.present.set(index, true);
    this.zeroed.set(index, zeroed);
  }

  /**
   * Lists a layer on every device. Tolerates a minority of unreachable devices per replica
   * count: an extent written with a majority is still seen on a device that answers.
   * @throws QUORUM_NOT_MET when too many devices are unreachable
   */
  static async load(layer: string, placement: BlockPlacement, extents: ExtentClient, replicaCount: number): Promise<LayerMap> {
    const devices = placement.allDevices();
    const results = await Promise.allSettled(devices.map((d) => extents.listLayer(d, layer)));
    const failed = results.filter((r) => r.status === 'rejected').length;
    const map = new LayerMap(layer, failed === 0);
    const tolerated = Math.floor((replicaCount - 1) / 2);
    if (failed > tolerated) {
      const reason = (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason as Error;
      throw new StoreError('QUORUM_NOT_MET', `Cannot list layer "${layer}": ${failed} devices unreachable (${reason.message})`);
    }
    // An extent is zeroed only if every replica that answered says so.
    const notZero = new Set<number>();
    const zero = new Set<number>();
    for (const r of results) {
      if (r.status !== 'fulfilled') continue;
      const z = new Set(r.value.zeroedIndexes);
      for (const i of r.value.indexes) (z.has(i) ? zero : notZero).add(i);
    }
    for (const i of notZero) map.mark(i, false);
    for (const i of zero) if (!notZero.has(i)) map.mark(i, true);
    return map;
  }
}
