/**
 * A MovementGate for worker tests: pause, rate and "new primary" set by the test; counts what
 * the workers report.
 */
import type { Device } from '../../ring/index.js';
import { Throttle } from './throttle.js';
import type { MovementGate, PlacementKind } from './movement-gate.js';

export class TestGate implements MovementGate {
  isPaused = false;
  readonly throttle = new Throttle(0);
  /** Devices that were not primaries under the "previous ring" (any partition). */
  readonly newDevices = new Set<string>();
  readonly counters = { movedBytes: 0, movedPartitions: 0, movedListingPartitions: 0, yields: 0 };

  paused(): boolean {
    return this.isPaused;
  }

  async yieldToClients(): Promise<void> {
    this.counters.yields += 1;
  }

  wasPrimary(_kind: PlacementKind, _partition: number, peer: Device): boolean {
    return !this.newDevices.has(peer.device);
  }

  countBytes(bytes: number): void {
    this.counters.movedBytes += bytes;
  }

  countPartition(): void {
    this.counters.movedPartitions += 1;
  }

  countListingPartition(): void {
    this.counters.movedListingPartitions += 1;
  }
}
