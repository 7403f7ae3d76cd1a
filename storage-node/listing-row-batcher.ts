/**
 * RowBatcher: group commit of container updates on the sending side. Every object write ends
 * with its listing row going to one or more container replicas; under load many writes of one
 * node name the same container replica at once. While one UpdateContainer call for a
 * (target, container) is in flight, later rows for it gather and go together in the next call:
 * a hot container costs one call per round trip instead of one per object write (each call is
 * a gRPC stream on both nodes, the largest per-PUT cost after the body itself).
 *
 * Semantics do not change: every caller still waits until its own row was accepted by the
 * replica, or failed (the caller journals it then), before its write is acknowledged.
 */
import type { ObjectRow } from './container-store.js';
import type { TargetValue } from './meta-db.js';

/** Sends one UpdateContainer call; rejects with the node's error. */
export type SendRows = (target: TargetValue, account: string, container: string, rows: ObjectRow[]) => Promise<void>;

/** Rows of one call at most: a group stays well below gRPC's message size limit. */
export const MAX_ROWS_PER_CALL = 1000;

interface Group {
  rows: ObjectRow[];
  /** Settles with the call's outcome: undefined on success, the error otherwise. */
  outcome: Promise<unknown>;
  start(): void;
}

interface Lane {
  /** The call in flight, if any. */
  busy: boolean;
  /** Rows waiting for the call in flight to end. */
  next?: Group;
}

export class RowBatcher {
  private readonly lanes = new Map<string, Lane>();

  constructor(private readonly send: SendRows, private readonly maxRows = MAX_ROWS_PER_CALL) {}

  /**
   * Delivers `rows` to `target`, in one call with whatever other rows for the same replica and
   * container are waiting.
   * @returns undefined once the replica accepted them, or the error of the call that carried them
   */
  deliver(target: TargetValue, account: string, container: string, rows: ObjectRow[]): Promise<unknown> {
    const key = `${target.ip}:${target.port}/${target.device}/${target.partition}/${account}\0${container}`;
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { busy: false };
      this.lanes.set(key, lane);
    }
    if (!lane.busy) return this.run(key, lane, this.group(target, account, container, rows));
    let next = lane.next;
    if (!next || next.rows.length + rows.length > this.maxRows) {
      // A full waiting group is sent as it is (its own call, in parallel): rows never wait
      // behind more than one call.
      if (next) void this.run(key, lane, next, true);
      next = this.group(target, account, container, []);
      lane.next = next;
    }
    next.rows.push(...rows);
    return next.outcome;
  }

  private group(target: TargetValue, account: string, container: string, rows: ObjectRow[]): Group {
    let start!: () => void;
    const outcome = new Promise<void>((resolve) => { start = resolve; })
      .then(() => this.send(target, account, container, g.rows))
      .then(() => undefined, (err: unknown) => err ?? new Error('container update failed'));
    const g: Group = { rows: [...rows], outcome, start };
    return g;
  }

  private async run(key: string, lane: Lane, g: Group, detached = false): Promise<unknown> {
    if (detached) {
      lane.next = undefined;
      g.start();
      return g.outcome;
    }
    lane.busy = true;
    g.start();
    const out = await g.outcome;
    const next = lane.next;
    if (next) {
      lane.next = undefined;
      void this.run(key, lane, next);
    } else {
      lane.busy = false;
      this.lanes.delete(key);
    }
    return out;
  }
}
