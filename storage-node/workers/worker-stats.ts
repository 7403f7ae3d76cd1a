/**
 * Counters every durability worker keeps (replicator, auditor, expirer): what NodeInfo-style
 * status calls, `strata cluster health` and /metrics report. A "pass" is a full walk of the
 * node's data, which may span many runOnce() calls.
 */
export interface WorkerStats {
  worker: string;
  /** Full passes completed since start. */
  passes: number;
  /** When the last full pass ended (ms since the epoch); 0: none yet. */
  lastPassEndMs: number;
  lastPassDurationMs: number;
  partitionsSynced: number;
  objectsSynced: number;
  bytesMoved: number;
  quarantined: number;
  /** Calls or files that failed (retried next pass). */
  failures: number;
  /** Handoff partitions still on this node after the last pass. */
  handoffsLeft: number;
}

export function newWorkerStats(worker: string): WorkerStats {
  return {
    worker, passes: 0, lastPassEndMs: 0, lastPassDurationMs: 0, partitionsSynced: 0, objectsSynced: 0,
    bytesMoved: 0, quarantined: 0, failures: 0, handoffsLeft: 0,
  };
}

/** A worker that reports WorkerStats. */
export interface ReportingWorker {
  readonly stats: WorkerStats;
}
