import t from 'tap';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDurabilityConfig, DEFAULT_DURABILITY_CONFIG } from './durability-config.js';
import { parseStorageNodeConfig } from './config.js';

t.test('parseDurabilityConfig() takes defaults, valid values, and reports every bad one', async (t) => {
  const errors: string[] = [];
  t.same(parseDurabilityConfig({}, errors), DEFAULT_DURABILITY_CONFIG);
  t.same(errors, []);
  const cfg = parseDurabilityConfig({ replicatorIntervalMs: 100, reclaimAgeMs: 0, durabilityWorkers: false }, errors);
  t.equal(cfg.replicatorIntervalMs, 100);
  t.equal(cfg.reclaimAgeMs, 0);
  t.equal(cfg.durabilityWorkers, false);
  parseDurabilityConfig({ replicatorIntervalMs: 1, auditorBytesPerSec: -5, expirerIntervalMs: 'x', durabilityWorkers: 'yes' }, errors);
  t.equal(errors.length, 4, errors.join('; '));
  t.match(errors[0], /"replicatorIntervalMs" must be an integer from 10/);
});

t.test('the storage-node config accepts the durability options and the sample documents them', async (t) => {
  const base = { nodeId: 'n', ringDir: 'r', peerSecret: 's', devices: [{ name: 'd', path: 'p' }] };
  const cfg = parseStorageNodeConfig({ ...base, auditorFilesPerSec: 5 }, '/tmp');
  t.equal(cfg.auditorFilesPerSec, 5);
  t.equal(cfg.replicatorIntervalMs, DEFAULT_DURABILITY_CONFIG.replicatorIntervalMs);
  t.throws(() => parseStorageNodeConfig({ ...base, replicatorPartitionsPerRun: 0 }, '/tmp'), { code: 'INVALID_ARGUMENT' });
  const sample = JSON.parse(await readFile(join(import.meta.dirname, '..', 'etc', 'storage-node.sample.json'), 'utf8')) as Record<string, unknown>;
  const parsed = parseStorageNodeConfig(sample, '/tmp', 'secret');
  for (const key of Object.keys(DEFAULT_DURABILITY_CONFIG)) t.ok(key in sample, `the sample shows "${key}"`);
  t.equal(parsed.reclaimAgeMs, 604_800_000);
});
