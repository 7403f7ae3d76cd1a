/**
 * Prometheus gauges of data movement, read at scrape time from Movement: what moved since the
 * process started, the control in force, and client requests in flight. (What is still to move
 * needs a walk of changed partitions: it is MovementStatus's job, not every scrape's.)
 */
import { Gauge, type Registry } from 'prom-client';
import type { Movement } from './movement.js';

/** Registers the gauges on a node's registry. */
export function registerMovementMetrics(registry: Registry, movement: Movement): void {
  const gauge = (name: string, help: string, read: () => number) => new Gauge({
    name, help, registers: [registry],
    collect() { this.set(read()); },
  });
  gauge('strata_movement_moved_bytes_total', 'Bytes moved to new places since start (stored anew by their receiver)', () => movement.counters.movedBytes);
  gauge('strata_movement_moved_partitions_total', 'Object handoff partitions handed over and removed since start', () => movement.counters.movedPartitions);
  gauge('strata_movement_moved_listing_partitions_total', 'Container and account handoff partitions handed over and removed since start', () => movement.counters.movedListingPartitions);
  gauge('strata_movement_max_bytes_per_second', 'Movement rate limit in force (0: unlimited)', () => movement.control.maxBytesPerSec);
  gauge('strata_movement_paused', '1 while data movement is paused', () => (movement.control.paused ? 1 : 0));
  gauge('strata_client_requests_in_flight', 'Client requests (object, listing, extent) being served now', () => movement.clientRequestsInFlight);
}
