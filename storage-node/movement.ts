/**
 * Movement: a node's data-movement state: the control in force (rate limit and pause, set by
 * SetMovement and persisted by MovementControlStore), the throttle it drives, the rule that
 * gives client requests priority (ClientActivity), and the counters since the process started.
 * It is the MovementGate the replicators consult.
 */
import type { Logger } from '../common/index.js';
import type { Ring, Device } from '../ring/index.js';
import type { MovementControlMsg } from '../cluster/index.js';
import { Throttle } from './workers/throttle.js';
import type { MovementGate, PlacementKind } from './workers/movement-gate.js';
import type { ClientActivity } from './client-activity.js';
import { checkMovementControl, DEFAULT_MOVEMENT_CONTROL, type MovementControlStore } from './movement-control.js';

export interface MovementOptions {
  store: MovementControlStore;
  activity: ClientActivity;
  /** The ring in use before the last ring change, per kind (undefined: none known). */
  previousRing: (kind: PlacementKind) => Ring | undefined;
  /** Longest wait for a gap in client requests per step of moving data (ms); 0: no waiting. */
  yieldMs: number;
  /** Called after the control changed (the node wakes its replicators). */
  onChange?: (control: MovementControlMsg) => void;
  log: Logger;
}

export interface MovementCounters {
  movedBytes: number;
  movedPartitions: number;
  movedListingPartitions: number;
}

export class Movement implements MovementGate {
  readonly throttle = new Throttle(0);
  readonly counters: MovementCounters = { movedBytes: 0, movedPartitions: 0, movedListingPartitions: 0 };
  readonly startedMs = Date.now();
  private current: MovementControlMsg = { ...DEFAULT_MOVEMENT_CONTROL };
  /** Changes run one at a time, so the stored value is the last one applied. */
  private changes: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: MovementOptions) {}

  /** Applies the stored control (call once at start). Never throws. */
  async load(): Promise<void> {
    this.apply(await this.opts.store.load());
    this.opts.log.info({ control: this.current }, 'movement control loaded');
  }

  get control(): MovementControlMsg {
    return { ...this.current };
  }

  /** Client requests in flight on the node. */
  get clientRequestsInFlight(): number {
    return this.opts.activity.inFlight;
  }

  /**
   * Sets, persists and applies a control; answers the control now in force.
   * @throws INVALID_ARGUMENT (bad rate)
   */
  set(control: Partial<MovementControlMsg>): Promise<MovementControlMsg> {
    const c = checkMovementControl(control);
    const run = this.changes.catch(() => undefined).then(async () => {
      await this.opts.store.save(c);
      this.apply(c);
      this.opts.log.info({ control: c }, 'movement control set');
      this.opts.onChange?.(this.control);
      return this.control;
    });
    this.changes = run;
    return run;
  }

  paused(): boolean {
    return this.current.paused;
  }

  yieldToClients(signal?: AbortSignal): Promise<void> {
    return this.opts.activity.yieldToClients(this.opts.yieldMs, signal);
  }

  wasPrimary(kind: PlacementKind, partition: number, peer: Device): boolean {
    const prev = this.opts.previousRing(kind);
    if (!prev || partition >= prev.partCount) return true;
    return prev.primaries(partition).some((p) => p.ip === peer.ip && p.port === peer.port && p.device === peer.device);
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

  private apply(c: MovementControlMsg): void {
    this.current = { ...c };
    this.throttle.setRate(c.maxBytesPerSec);
  }
}
