/**
 * FakeRing: a tiny deterministic ring over N devices for unit tests (one device per node):
 * partition = a string hash mod `partCount`, primaries the next `replicas` devices, handoffs the
 * rest in order.
 */
import type { PlacementRing, RingDevice, RingSource } from '../placement.js';

export class FakeRing implements PlacementRing, RingSource {
  readonly version = 1;
  constructor(readonly devices: RingDevice[], readonly replicaCount = 3, readonly partCount = 8) {}

  get ring(): PlacementRing {
    return this;
  }

  partOf(path: string): number {
    let h = 0;
    for (const ch of path) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
    return h % this.partCount;
  }

  primaries(part: number): RingDevice[] {
    return Array.from({ length: this.replicaCount }, (_, k) => this.devices[(part + k) % this.devices.length] as RingDevice);
  }

  *handoffs(part: number): Iterable<RingDevice> {
    for (let k = this.replicaCount; k < this.devices.length; k++) yield this.devices[(part + k) % this.devices.length] as RingDevice;
  }
}
