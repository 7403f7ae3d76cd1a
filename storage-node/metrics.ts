/**
 * Prometheus metrics of a storage node (prom-client): calls by method and code, call latency,
 * device space and mount state, updater progress and journal depth. Gauges are read at scrape
 * time so they cost nothing between scrapes.
 */
import { Registry, Counter, Histogram, Gauge, collectDefaultMetrics } from 'prom-client';
import type { CallObserver } from './grpc-call.js';
import type { Devices } from './devices.js';
import type { UpdaterWorker } from './workers/updater.js';
import type { MetaDbs } from './meta-db.js';

export interface NodeMetrics {
  registry: Registry;
  observe: CallObserver;
}

export function createNodeMetrics(deps: { devices: Devices; updater: UpdaterWorker; dbs: MetaDbs; nodeId: string }): NodeMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ node: deps.nodeId });
  collectDefaultMetrics({ register: registry });
  const calls = new Counter({ name: 'strata_storage_calls_total', help: 'gRPC calls by method and result code', labelNames: ['method', 'code'], registers: [registry] });
  const seconds = new Histogram({
    name: 'strata_storage_call_seconds', help: 'gRPC call duration', labelNames: ['method'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10], registers: [registry],
  });
  new Gauge({
    name: 'strata_storage_device_free_bytes', help: 'Free bytes per device (0 when unmounted)', labelNames: ['device'], registers: [registry],
    async collect() {
      for (const d of await deps.devices.status()) this.set({ device: d.name }, d.freeBytes);
    },
  });
  new Gauge({
    name: 'strata_storage_device_mounted', help: '1 when the device folder is present', labelNames: ['device'], registers: [registry],
    async collect() {
      for (const d of await deps.devices.status()) this.set({ device: d.name }, d.mounted ? 1 : 0);
    },
  });
  new Gauge({
    name: 'strata_storage_updater_total', help: 'Updater results since start', labelNames: ['result'], registers: [registry],
    collect() {
      for (const [k, v] of Object.entries(deps.updater.stats)) this.set({ result: k }, v);
    },
  });
  new Gauge({
    name: 'strata_storage_updater_journal_depth', help: 'Container updates waiting in the journal', labelNames: ['device'], registers: [registry],
    async collect() {
      for (const device of deps.dbs.openDevices()) this.set({ device }, await deps.updater.journalDepth(device).catch(() => 0));
    },
  });
  return {
    registry,
    observe: (method, code, s) => {
      calls.inc({ method, code });
      seconds.observe({ method }, s);
    },
  };
}
