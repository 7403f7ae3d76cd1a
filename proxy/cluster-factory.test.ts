import t from 'tap';
import { join } from 'node:path';
import type { OpenClusterOptions, OpenedCluster, openReplicatedCluster } from '../cluster/index.js';
import { silentLogger } from '../common/index.js';
import { createCluster } from './cluster-factory.js';
import { parseProxyConfig } from './config.js';
import { MemoryObjectCluster } from './testing/memory-cluster.js';

const CLUSTER_FILE = JSON.stringify({ ringDir: 'rings', peerSecret: 'from-the-cluster-file', proxyUrl: 'http://127.0.0.1:1', blockGateway: '127.0.0.1:2' });

/** An opener that records its options and opens nothing. */
function recordingOpener(): { open: typeof openReplicatedCluster; calls: OpenClusterOptions[] } {
  const calls: OpenClusterOptions[] = [];
  const open = async (opts: OpenClusterOptions): Promise<OpenedCluster> => {
    calls.push(opts);
    return { cluster: new MemoryObjectCluster(), close: () => undefined } as unknown as OpenedCluster;
  };
  return { open, calls };
}

t.test('createCluster() passes the proxy config\'s cluster tuning and the cluster file\'s secret to the opener', async (t) => {
  const dir = t.testdir({ 'cluster.json': CLUSTER_FILE });
  const config = parseProxyConfig({
    authSecret: 'x'.repeat(16), clusterFile: join(dir, 'cluster.json'),
    cluster: { nodeTimeoutMs: 2500, maxHandoffs: 1, chunkSize: 262144, errorLimitThreshold: 7 },
  });
  const { open, calls } = recordingOpener();
  const handle = await createCluster(config, silentLogger(), open);
  await handle.close();
  t.equal(calls.length, 1);
  t.equal(calls[0]!.ringDir, join(dir, 'rings'));
  t.same(calls[0]!.config, { nodeTimeoutMs: 2500, maxHandoffs: 1, chunkSize: 262144, errorLimitThreshold: 7, peerSecret: 'from-the-cluster-file' });
});

t.test('createCluster() without tuning passes only the secret, so cluster/ defaults apply', async (t) => {
  const dir = t.testdir({ 'cluster.json': CLUSTER_FILE });
  const { open, calls } = recordingOpener();
  await createCluster(parseProxyConfig({ authSecret: 'x'.repeat(16), clusterFile: join(dir, 'cluster.json') }), silentLogger(), open);
  t.same(calls[0]!.config, { peerSecret: 'from-the-cluster-file' });
});

t.test('createCluster() with the real opener refuses tuning out of bounds before reading rings', async (t) => {
  const dir = t.testdir({ 'cluster.json': CLUSTER_FILE });
  const valid = parseProxyConfig({ authSecret: 'x'.repeat(16), clusterFile: join(dir, 'cluster.json') });
  // A config built by code rather than parsed skips parseProxyConfig's checks; the opener still refuses.
  const config = { ...valid, cluster: { chunkSize: 64 * 1024 * 1024 } };
  await t.rejects(createCluster(config, silentLogger()), { code: 'INVALID_ARGUMENT', message: /chunkSize/ });
  await t.rejects(createCluster(valid, silentLogger()), { code: 'NOT_FOUND' }, 'valid tuning gets as far as the missing rings');
  await t.rejects(createCluster({ ...valid, clusterFile: join(dir, 'none.json') }, silentLogger()), { code: 'NOT_FOUND', message: /none\.json/ });
});

t.test('createCluster() asks the opener for a ring sync: the cluster file\'s interval, else 10 s', async (t) => {
  const dir = t.testdir({
    'cluster.json': CLUSTER_FILE,
    'fast.json': JSON.stringify({ ...JSON.parse(CLUSTER_FILE), ringSyncMs: 500 }),
    'bad.json': JSON.stringify({ ...JSON.parse(CLUSTER_FILE), ringSyncMs: -1 }),
  });
  const { open, calls } = recordingOpener();
  const config = (file: string) => parseProxyConfig({ authSecret: 'x'.repeat(16), clusterFile: join(dir, file) });
  await createCluster(config('cluster.json'), silentLogger(), open);
  await createCluster(config('fast.json'), silentLogger(), open);
  t.same(calls.map((c) => c.ringSyncMs), [10_000, 500]);
  await t.rejects(createCluster(config('bad.json'), silentLogger(), open), { code: 'INVALID_ARGUMENT', message: /ringSyncMs/ });
  const memory = await createCluster(parseProxyConfig({ authSecret: 'x'.repeat(16), backend: 'memory' }), silentLogger());
  t.same(memory.ringVersions(), {}, 'the in-memory cluster has no rings');
});
