/**
 * Counters every durability worker keeps (replicator, auditor, expirer): what NodeInfo-style
 * status calls, `strata cluster health` and /metrics report. A "pass" is a full walk of the
 * node's data, which may span many runOnce() calls.
 */
import type { WorkerStatsMsg } from '../../cluster/index.js';

/** The counters are exactly what DurabilityStatus carries on the wire (fields documented there). */
export type WorkerStats = WorkerStatsMsg;

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
