/**
 * The proxy's Prometheus metrics. Each app gets its own registry (not prom-client's global one),
 * so several apps in one test process do not collide.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ProxyMetrics {
  registry: Registry;
  requests: Counter<'method' | 'status'>;
  durationSec: Histogram<'method'>;
}

/** Creates the registry; `processMetrics` adds Node's default process metrics (main.ts only). */
export function createProxyMetrics(processMetrics = false): ProxyMetrics {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'strata_proxy_requests_total',
    help: 'HTTP requests answered by the proxy, by method and status',
    labelNames: ['method', 'status'] as const,
    registers: [registry],
  });
  const durationSec = new Histogram({
    name: 'strata_proxy_request_duration_seconds',
    help: 'Time from request to the end of the response',
    labelNames: ['method'] as const,
    buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10, 60],
    registers: [registry],
  });
  return { registry, requests, durationSec };
}
