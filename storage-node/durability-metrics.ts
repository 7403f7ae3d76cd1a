/**
 * Prometheus gauges of the durability workers, read at scrape time: per worker the last pass
 * end time and duration, passes, partitions and objects handled, bytes moved, quarantined
 * files, failures and handoff partitions left; plus files in quarantine now.
 */
import { Gauge, type Registry } from 'prom-client';
import type { Durability } from './durability.js';
import type { WorkerStats } from './workers/worker-stats.js';

const FIELDS: Array<[keyof WorkerStats, string, string]> = [
  ['passes', 'strata_worker_passes_total', 'Full passes completed since start'],
  ['lastPassEndMs', 'strata_worker_last_pass_end_seconds', 'When the last full pass ended (Unix seconds; 0: none yet)'],
  ['lastPassDurationMs', 'strata_worker_last_pass_duration_seconds', 'Duration of the last full pass'],
  ['partitionsSynced', 'strata_worker_partitions_synced_total', 'Partitions in which something was pushed'],
  ['objectsSynced', 'strata_worker_objects_total', 'Objects pushed (replicator) or checked (auditor)'],
  ['bytesMoved', 'strata_worker_bytes_moved_total', 'Bytes pushed to other nodes'],
  ['quarantined', 'strata_worker_quarantined_total', 'Corrupt files quarantined'],
  ['failures', 'strata_worker_failures_total', 'Failed calls or files (retried next pass)'],
  ['handoffsLeft', 'strata_worker_handoff_partitions', 'Handoff partitions still held after the last pass'],
];

/** Registers the gauges on a node's registry. */
export function registerDurabilityMetrics(registry: Registry, durability: Durability): void {
  for (const [field, name, help] of FIELDS) {
    const seconds = field === 'lastPassEndMs' || field === 'lastPassDurationMs';
    new Gauge({
      name, help, labelNames: ['worker'], registers: [registry],
      collect() {
        for (const s of durability.workerStats()) this.set({ worker: s.worker }, seconds ? s[field] as number / 1000 : s[field] as number);
      },
    });
  }
  new Gauge({
    name: 'strata_storage_quarantined_files', help: 'Files in the devices\' quarantine folders now', registers: [registry],
    async collect() {
      this.set((await durability.status()).quarantinedFiles);
    },
  });
}
