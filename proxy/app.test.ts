import t from 'tap';
import { buildTestApp } from './testing/test-app.js';

t.test('buildApp() serves /healthcheck, /info and /metrics without auth, with request ids', async (t) => {
  const { app } = await buildTestApp({ maxFileSize: 12345 });
  t.teardown(() => app.close());
  const health = await app.inject({ url: '/healthcheck' });
  t.same([health.statusCode, health.body], [200, 'OK']);
  t.match(String(health.headers['x-trans-id']), /^tx[0-9a-f]{21}-[0-9a-f]{10}$/);
  t.equal(health.headers['x-openstack-request-id'], health.headers['x-trans-id']);
  const info = JSON.parse((await app.inject({ url: '/info' })).body);
  t.equal(info.swift.max_file_size, 12345);
  t.equal(info.swift.max_object_name_length, 1024);
  t.equal(info.slo.max_manifest_segments, 1000);
  t.ok(info.tempauth);
  const metrics = await app.inject({ url: '/metrics' });
  t.equal(metrics.statusCode, 200);
  t.match(metrics.body, /strata_proxy_requests_total\{method="GET",status="200"\} 2/);
});

t.test('request ids differ between requests', async (t) => {
  const { app } = await buildTestApp();
  t.teardown(() => app.close());
  const a = await app.inject({ url: '/healthcheck' });
  const b = await app.inject({ url: '/healthcheck' });
  t.not(a.headers['x-trans-id'], b.headers['x-trans-id']);
});
