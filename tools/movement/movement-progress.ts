/**
 * Progress maths over successive MovementSnapshots: what has moved (the plan's expectation minus
 * what is left, and the nodes' own counters), the rate measured between samples (per node, so a
 * node that restarted and reset its counters does not count backwards), and the ETA.
 */
import type { MovementSnapshot } from './movement-status.js';
import type { MovementControl, MovementPlan } from './movement-files.js';

export interface MovementCounts { partitions: number; bytes: number; listingPartitions: number }

export interface MovementRate { bytesPerSec: number; partitionsPerSec: number }

/** Everything the renderers show. */
export interface MovementProgress {
  snapshot: MovementSnapshot;
  plan?: MovementPlan;
  /** The cluster-wide control from movement.json. */
  control: MovementControl;
  /** Moved so far by the plan: expected minus still to move (clamped at 0); zeros without a plan. */
  moved: MovementCounts;
  /** Sum of the nodes' moved counters (since each node process started). */
  counters: MovementCounts;
  /** 0..1 of the plan done (by bytes, else by partitions); undefined without a plan until done. */
  fraction?: number;
  /**
   * Over the sliding window; with a single sample (a one-shot status), the average since the
   * plan started (`rateIsAverage`); undefined while nothing can be measured.
   */
  rate?: MovementRate;
  /** The rate is the average since the plan started, not a recent measurement. */
  rateIsAverage?: true;
  /** Estimated time left (ms): 0 when done, undefined when unknown (measuring, paused, stalled). */
  etaMs?: number;
  /** True when the cluster-wide control or any answering node is paused. */
  paused: boolean;
}

interface Interval { endMs: number; dtMs: number; bytes: number; partitions: number }

/** Growth of a counter between samples; a smaller value means the node restarted from 0. */
function growth(prev: number | undefined, cur: number): number {
  if (prev === undefined) return 0;
  return cur >= prev ? cur - prev : cur;
}

/**
 * Measures the movement rate over a sliding window of samples (default 30 s), from the nodes'
 * moved counters.
 */
export class RateMeter {
  private last: { atMs: number; byNode: Map<string, { bytes: number; partitions: number }> } | undefined;
  private intervals: Interval[] = [];

  constructor(private readonly windowMs = 30_000) {}

  add(s: MovementSnapshot): void {
    const byNode = new Map<string, { bytes: number; partitions: number }>();
    for (const n of s.nodes) {
      if (n.error === undefined) byNode.set(n.address, { bytes: n.movedBytes, partitions: n.movedPartitions + n.movedListingPartitions });
    }
    if (this.last && s.atMs > this.last.atMs) {
      let bytes = 0;
      let partitions = 0;
      for (const [address, cur] of byNode) {
        const prev = this.last.byNode.get(address);
        bytes += growth(prev?.bytes, cur.bytes);
        partitions += growth(prev?.partitions, cur.partitions);
      }
      this.intervals.push({ endMs: s.atMs, dtMs: s.atMs - this.last.atMs, bytes, partitions });
      // Keep the intervals inside the window, but always the newest one.
      while (this.intervals.length > 1 && this.intervals[0]!.endMs - this.intervals[0]!.dtMs < s.atMs - this.windowMs) this.intervals.shift();
    }
    if (!this.last || s.atMs >= this.last.atMs) this.last = { atMs: s.atMs, byNode };
  }

  /** Undefined until two samples were added. */
  rate(): MovementRate | undefined {
    if (this.intervals.length === 0) return undefined;
    let dtMs = 0;
    let bytes = 0;
    let partitions = 0;
    for (const i of this.intervals) {
      dtMs += i.dtMs;
      bytes += i.bytes;
      partitions += i.partitions;
    }
    return dtMs > 0 ? { bytesPerSec: (bytes * 1000) / dtMs, partitionsPerSec: (partitions * 1000) / dtMs } : undefined;
  }
}

/** Estimated ms left: by bytes when bytes are left, else by partitions; undefined when unknown. */
export function estimateMs(toMove: MovementCounts, rate: MovementRate | undefined, done: boolean, paused: boolean): number | undefined {
  if (done) return 0;
  if (paused || !rate) return undefined;
  if (toMove.bytes > 0) return rate.bytesPerSec > 0 ? (toMove.bytes / rate.bytesPerSec) * 1000 : undefined;
  const parts = toMove.partitions + toMove.listingPartitions;
  if (parts === 0) return 0;
  return rate.partitionsPerSec > 0 ? (parts / rate.partitionsPerSec) * 1000 : undefined;
}

/** What moved by the plan divided by the time since it started; undefined before a second passed or when nothing moved. */
function averageSincePlan(plan: MovementPlan | undefined, moved: MovementCounts, atMs: number): MovementRate | undefined {
  if (!plan) return undefined;
  const elapsedMs = atMs - plan.startedMs;
  const parts = moved.partitions + moved.listingPartitions;
  if (elapsedMs < 1000 || (moved.bytes === 0 && parts === 0)) return undefined;
  return { bytesPerSec: (moved.bytes * 1000) / elapsedMs, partitionsPerSec: (parts * 1000) / elapsedMs };
}

/** Combines a snapshot with the plan, the control and the measured rate. */
export function computeProgress(snapshot: MovementSnapshot, plan: MovementPlan | undefined, control: MovementControl,
  rate: MovementRate | undefined): MovementProgress {
  const left = snapshot.toMove;
  const counters: MovementCounts = { partitions: 0, bytes: 0, listingPartitions: 0 };
  for (const n of snapshot.nodes) {
    counters.partitions += n.movedPartitions;
    counters.bytes += n.movedBytes;
    counters.listingPartitions += n.movedListingPartitions;
  }
  const moved: MovementCounts = { partitions: 0, bytes: 0, listingPartitions: 0 };
  let fraction: number | undefined;
  if (plan) {
    const e = plan.expected;
    moved.partitions = Math.max(0, e.partitions - left.partitions);
    moved.bytes = Math.max(0, e.bytes - left.bytes);
    moved.listingPartitions = Math.max(0, e.listingPartitions - left.listingPartitions);
    const allParts = e.partitions + e.listingPartitions;
    if (e.bytes > 0) fraction = moved.bytes / e.bytes;
    else if (allParts > 0) fraction = (moved.partitions + moved.listingPartitions) / allParts;
    else fraction = 1;
    // What is left can exceed the plan (writes landing on handoffs): never show done before it is.
    if (!snapshot.done) fraction = Math.min(fraction, 0.999);
  }
  if (snapshot.done) fraction = 1;
  const paused = control.paused || snapshot.nodes.some((n) => n.error === undefined && n.control.paused);
  const average = rate || snapshot.done ? undefined : averageSincePlan(plan, moved, snapshot.atMs);
  const shown = rate ?? average;
  const etaMs = estimateMs(left, shown, snapshot.done, paused);
  return { snapshot, control, moved, counters, paused,
    ...(plan ? { plan } : {}), ...(fraction !== undefined ? { fraction } : {}),
    ...(shown ? { rate: shown } : {}), ...(average ? { rateIsAverage: true as const } : {}), ...(etaMs !== undefined ? { etaMs } : {}) };
}
