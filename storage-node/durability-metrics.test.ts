import t from 'tap';
import { Registry } from 'prom-client';
import { startDurabilityNodes } from './testing/durability-nodes.js';
import { registerDurabilityMetrics } from './durability-metrics.js';

t.test('registerDurabilityMetrics() exposes every worker\'s counters at scrape time', async (t) => {
  const { nodes } = await startDurabilityNodes(t, t.testdir(), 3);
  const registry = new Registry();
  registerDurabilityMetrics(registry, nodes[0]!.durability);
  await nodes[0]!.durability.runFullPass('replicator');
  const text = await registry.metrics();
  t.match(text, /strata_worker_passes_total\{worker="replicator"\} 1/);
  t.match(text, /strata_worker_passes_total\{worker="auditor"\} 0/);
  t.match(text, /strata_worker_last_pass_end_seconds\{worker="replicator"\} \d{10}/);
  t.match(text, /strata_worker_bytes_moved_total\{worker="replicator"\} 0/);
  t.match(text, /strata_storage_quarantined_files 0/);
});
