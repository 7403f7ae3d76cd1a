import t from 'tap';
import { Registry, Counter } from 'prom-client';
import { startMetricsServer } from './metrics-server.js';

t.test('startMetricsServer() serves /metrics and /healthcheck, 404 elsewhere', async (t) => {
  const registry = new Registry();
  new Counter({ name: 'strata_test_total', help: 'x', registers: [registry] }).inc(3);
  const { port, server } = await startMetricsServer(registry, '127.0.0.1', 0);
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const base = `http://127.0.0.1:${port}`;
  t.equal(await (await fetch(`${base}/healthcheck`)).text(), 'OK');
  t.match(await (await fetch(`${base}/metrics`)).text(), /strata_test_total 3/);
  t.equal((await fetch(`${base}/nope`)).status, 404);
});
