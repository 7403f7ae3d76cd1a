import t from 'tap';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_REPLICATED_CLUSTER_CONFIG } from '../cluster/index.js';
import { loadProxyConfig, parseProxyConfig } from './config.js';

t.test('parseProxyConfig() fills defaults and freezes the result', async (t) => {
  const c = parseProxyConfig({ authSecret: 'x'.repeat(16), backend: 'memory' });
  t.equal(c.bindPort, 8080);
  t.equal(c.tokenTtlSec, 86400);
  t.equal(c.s3.region, 'us-east-1');
  t.ok(Object.isFrozen(c));
});

t.test('parseProxyConfig() reports every problem at once', async (t) => {
  try {
    parseProxyConfig({ authSecret: 'short', bindPort: 70000, backend: 'disk', logLevel: 'loud', s3: { domains: 'x' } });
    t.fail('should throw');
  } catch (err) {
    t.match(err, { code: 'INVALID_ARGUMENT' });
    for (const word of ['bindPort', 'backend', 'logLevel', 's3.domains', 'authSecret']) t.match((err as Error).message, word);
  }
  t.throws(() => parseProxyConfig({ backend: 'memory' }), /"authSecret" is required/);
  t.throws(() => parseProxyConfig({ authSecret: 'x'.repeat(16) }), /"clusterFile" is required/);
  t.throws(() => parseProxyConfig(null), { code: 'INVALID_ARGUMENT' });
});

t.test('loadProxyConfig() reads the sample and reports missing or broken files', async (t) => {
  const sample = await loadProxyConfig(new URL('../etc/proxy.sample.json', import.meta.url).pathname);
  t.equal(sample.backend, 'cluster');
  t.same(sample.cluster, DEFAULT_REPLICATED_CLUSTER_CONFIG, 'the sample documents the cluster tuning defaults');
  const dir = t.testdir({ 'bad.json': '{' });
  await t.rejects(loadProxyConfig(join(dir, 'none.json')), { code: 'NOT_FOUND' });
  await t.rejects(loadProxyConfig(join(dir, 'bad.json')), { code: 'INVALID_ARGUMENT' });
  await writeFile(join(dir, 'ok.json'), JSON.stringify({ authSecret: 'y'.repeat(20), backend: 'memory', bindPort: 0 }));
  t.equal((await loadProxyConfig(join(dir, 'ok.json'))).bindPort, 0);
});

t.test('parseProxyConfig() takes an optional "cluster" tuning object and reports its problems with the others', async (t) => {
  const base = { authSecret: 'x'.repeat(16), backend: 'memory' };
  t.equal(parseProxyConfig(base).cluster, undefined, 'absent by default');
  const tuned = parseProxyConfig({ ...base, cluster: { nodeTimeoutMs: 1500, maxHandoffs: 2 } });
  t.same(tuned.cluster, { nodeTimeoutMs: 1500, maxHandoffs: 2 });
  t.ok(Object.isFrozen(tuned.cluster));
  try {
    parseProxyConfig({ ...base, bindPort: -1, cluster: { nodeTimeoutMs: 'slow', bogus: 1 } });
    t.fail('should throw');
  } catch (err) {
    t.match(err, { code: 'INVALID_ARGUMENT' });
    for (const word of ['bindPort', 'cluster.nodeTimeoutMs', 'cluster.bogus']) t.match((err as Error).message, word);
  }
  t.throws(() => parseProxyConfig({ ...base, cluster: { chunkSize: 5 * 1024 * 1024 } }), /chunkSize.*at most 4 MiB/);
  t.throws(() => parseProxyConfig({ ...base, cluster: null }), /"cluster" must be an object/);
});
