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

/** A (replica, container) with a call in flight (it is in `lanes` exactly that long). */
interface Lane {
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
    const lane = this.lanes.get(key);
    if (!lane) {
      const fresh: Lane = {};
      this.lanes.set(key, fresh);
      return this.run(key, fresh, this.group(target, account, container, rows));
    }
    let next = lane.next;
    if (!next || next.rows.length + rows.length > this.maxRows) {
      // A full waiting group is sent as it is (its own call, in parallel): rows never wait
      // behind more than one call.
      if (next) next.start();
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

  /** Sends `g` as the lane's call in flight; the group waiting behind it goes next. */
  private async run(key: string, lane: Lane, g: Group): Promise<unknown> {
    g.start();
    const out = await g.outcome;
    const next = lane.next;
    lane.next = undefined;
    if (next) void this.run(key, lane, next);
    else this.lanes.delete(key);
    return out;
  }
}
