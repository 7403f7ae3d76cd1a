import t from 'tap';
import { DEFAULT_REPLICATED_CLUSTER_CONFIG } from '../cluster/index.js';
import { CLUSTER_TUNING_KEYS, parseClusterTuning } from './cluster-tuning.js';

t.test('parseClusterTuning() accepts every ReplicatedClusterConfig field but peerSecret', async (t) => {
  t.same([...CLUSTER_TUNING_KEYS].sort(), Object.keys(DEFAULT_REPLICATED_CLUSTER_CONFIG).sort());
  t.notOk(CLUSTER_TUNING_KEYS.includes('peerSecret'));
  const raw = {
    connectTimeoutMs: 500, nodeTimeoutMs: 3000, chunkTimeoutMs: 9000, keepaliveMs: 0, chunkSize: 1048576,
    maxHandoffs: 0, errorLimitThreshold: 5, errorLimitWindowMs: 30000, errorSuppressionMs: 0, containerCacheTtlMs: 0,
  };
  const { tuning, errors } = parseClusterTuning(raw);
  t.same(errors, []);
  t.same(tuning, raw);
  t.ok(Object.isFrozen(tuning));
  t.same(parseClusterTuning({}), { tuning: {}, errors: [] }, 'an empty object keeps every default');
});

t.test('parseClusterTuning() reports unknown names, the peer secret, non-integers and bounds', async (t) => {
  t.same(parseClusterTuning([]).errors, ['"cluster" must be an object']);
  t.same(parseClusterTuning('fast').errors, ['"cluster" must be an object']);
  const bad = parseClusterTuning({ nodeTimeout: 5, peerSecret: 's', chunkSize: '64k', maxHandoffs: 1.5 });
  t.equal(bad.tuning, undefined);
  t.equal(bad.errors.length, 4);
  t.match(bad.errors.join('\n'), /"cluster\.nodeTimeout" is unknown; known: .*nodeTimeoutMs/);
  t.match(bad.errors.join('\n'), /"cluster\.peerSecret" is not allowed/);
  t.match(bad.errors.join('\n'), /"cluster\.chunkSize" must be an integer/);
  t.match(bad.errors.join('\n'), /"cluster\.maxHandoffs" must be an integer/);
  const bounds = parseClusterTuning({ chunkSize: 8 * 1024 * 1024, nodeTimeoutMs: 0, maxHandoffs: -1 });
  t.equal(bounds.tuning, undefined);
  t.match(bounds.errors[0], /^"cluster": .*"nodeTimeoutMs" must be a positive number.*"maxHandoffs" must be a number >= 0.*"chunkSize" must be at most 4 MiB/);
});
