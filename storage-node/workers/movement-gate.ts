/**
 * MovementGate: what the object and listing replicators ask before moving data to a new place
 * (off a handoff partition, or from a primary to a peer that was not a primary of that
 * partition under the previous ring): is movement paused, the rate limit for its bytes, a
 * wait that gives client requests priority, and the counters of what moved. Movement
 * (storage-node/movement.ts) implements it; FREE_MOVEMENT never holds anything back (tests,
 * and nodes composed without movement control).
 */
import type { Device } from '../../ring/index.js';
import { Throttle } from './throttle.js';

export type PlacementKind = 'object' | 'container' | 'account';

export interface MovementGate {
  /** True: no data moves to a new place; it stays where it is, counted as still to move. */
  paused(): boolean;
  /** Rate limit of the bytes moved (changeable while running). */
  readonly throttle: Throttle;
  /** Waits (bounded) for a gap in client requests before one step of moving data. */
  yieldToClients(signal?: AbortSignal): Promise<void>;
  /**
   * True when `peer` was a primary of `partition` under the ring in use before the last ring
   * change (or there was no earlier ring): syncing to it is a repair, not a move.
   */
  wasPrimary(kind: PlacementKind, partition: number, peer: Device): boolean;
  /** Counts bytes a peer newly stored from a move. */
  countBytes(bytes: number): void;
  /** Counts an object handoff partition handed over and removed. */
  countPartition(): void;
  /** Counts a container or account handoff partition handed over and removed. */
  countListingPartition(): void;
}

/** A gate that is never paused, unlimited, never waits, and counts nothing. */
export const FREE_MOVEMENT: MovementGate = {
  paused: () => false,
  throttle: new Throttle(0),
  yieldToClients: async () => undefined,
  wasPrimary: () => true,
  countBytes: () => undefined,
  countPartition: () => undefined,
  countListingPartition: () => undefined,
};

/** Pause before the next pass of a replicator while handoff partitions are left (ms). */
export const HANDOFF_RETRY_MS = 5_000;

/**
 * A replicator's Worker.idleDelayMs: a pass that left handoff partitions (a peer busy or down, a
 * write during the check) is followed soon by the next unless movement is paused, so that data
 * waiting to move does not wait a whole replication interval.
 */
export function handoffRetryDelayMs(handoffsLeft: number, gate: MovementGate): number | undefined {
  return handoffsLeft > 0 && !gate.paused() ? HANDOFF_RETRY_MS : undefined;
}
