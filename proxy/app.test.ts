import { connect, type AddressInfo } from 'node:net';
import t from 'tap';
import { buildTestApp } from './testing/test-app.js';
import { buildApp } from './app.js';
import { silentLogger } from '../common/index.js';
import { UserDirectory } from './auth/user-directory.js';
import { parseProxyConfig } from './config.js';
import { MemoryObjectCluster } from './testing/memory-cluster.js';

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

t.test('buildApp() answers a header section over 16 KiB with an S3 XML 400 and closes the socket', async (t) => {
  const { app } = await buildTestApp();
  t.teardown(() => app.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  const response = await new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('no answer within 5 s')); }, 5000);
    socket.on('data', (d) => { data += d.toString(); });
    socket.on('close', () => { clearTimeout(timer); resolve(data); });
    socket.on('error', () => undefined);
    socket.write(`PUT /bucket/key HTTP/1.1\r\nHost: 127.0.0.1\r\nx-amz-meta-big: ${'a'.repeat(20 * 1024)}\r\n\r\n`);
  });
  t.match(response, /^HTTP\/1\.1 400 /);
  t.match(response, /<Code>RequestHeaderSectionTooLarge<\/Code>/);
  const ok = await fetch(`http://127.0.0.1:${port}/healthcheck`);
  t.equal(ok.status, 200, 'the server keeps serving');
});

t.test('buildApp() /info reports the ring versions in use under "strata"', async (t) => {
  let versions: Record<string, number> = { account: 1, container: 1, object: 4 };
  const app = await buildApp({
    cluster: new MemoryObjectCluster(), users: UserDirectory.fromRecords([]), log: silentLogger(),
    config: parseProxyConfig({ authSecret: 'test-secret-0123456789', backend: 'memory' }), ringVersions: () => versions,
  });
  t.teardown(() => app.close());
  const info = JSON.parse((await app.inject({ url: '/info' })).body);
  t.same(info.strata, { object_checksum: 'xxhash64', rings: { account: 1, container: 1, object: 4 } });
  versions = { ...versions, object: 5 };
  t.equal(JSON.parse((await app.inject({ url: '/info' })).body).strata.rings.object, 5, 'read at each request');
  const { app: plain } = await buildTestApp();
  t.teardown(() => plain.close());
  t.same(JSON.parse((await plain.inject({ url: '/info' })).body).strata.rings, {}, 'none without a ring source');
});
