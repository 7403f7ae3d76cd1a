import t from 'tap';
import { join } from 'node:path';
import { parseStorageNodeConfig, loadStorageNodeConfig, DEFAULT_STORAGE_NODE_CONFIG } from './config.js';

const minimal = { nodeId: 'n1', devices: [{ name: 'sdb1', path: 'data/sdb1' }], ringDir: 'rings', peerSecret: 's' };

t.test('parseStorageNodeConfig() fills defaults and resolves paths from the config folder', async (t) => {
  const cfg = parseStorageNodeConfig(minimal, '/etc/strata');
  t.equal(cfg.port, DEFAULT_STORAGE_NODE_CONFIG.port);
  t.equal(cfg.bindIp, '127.0.0.1');
  t.equal(cfg.ringDir, '/etc/strata/rings');
  t.same(cfg.devices, [{ name: 'sdb1', path: '/etc/strata/data/sdb1' }]);
  t.equal(cfg.reserveBytes, 0);
  t.equal(cfg.metricsPort, 0);
  t.notOk(cfg.mountCheck);
  t.ok(Object.isFrozen(cfg));
});

t.test('parseStorageNodeConfig() reports every problem at once', async (t) => {
  const err = (() => {
    try {
      parseStorageNodeConfig({ port: 70000, devices: [{ name: '../x', path: 'p' }, { name: 'a' }], logLevel: 'loud', mountCheck: 'yes', colour: 1 }, '/');
    } catch (e) {
      return e as Error & { code: string };
    }
    return undefined;
  })();
  t.equal(err?.code, 'INVALID_ARGUMENT');
  for (const word of ['nodeId', 'ringDir', 'peerSecret', 'port', 'devices[0].name', 'devices[1].path', 'logLevel', 'mountCheck', 'colour']) {
    t.match(err?.message, word);
  }
  t.throws(() => parseStorageNodeConfig([], '/'), { code: 'INVALID_ARGUMENT' });
  t.throws(() => parseStorageNodeConfig({ ...minimal, devices: [minimal.devices[0], minimal.devices[0]] }, '/'), /repeated/);
});

t.test('loadStorageNodeConfig() reads the peer secret from a file and fails clearly', async (t) => {
  const dir = t.testdir({
    'ok.json': JSON.stringify({ ...minimal, peerSecret: undefined, peerSecretFile: 'secret' }),
    secret: 'from-file\n',
    'bad.json': '{ nope',
    'nosecret.json': JSON.stringify({ ...minimal, peerSecret: undefined, peerSecretFile: 'missing' }),
  });
  t.equal((await loadStorageNodeConfig(join(dir, 'ok.json'))).peerSecret, 'from-file');
  await t.rejects(loadStorageNodeConfig(join(dir, 'none.json')), { code: 'NOT_FOUND' });
  await t.rejects(loadStorageNodeConfig(join(dir, 'bad.json')), { code: 'INVALID_ARGUMENT' });
  await t.rejects(loadStorageNodeConfig(join(dir, 'nosecret.json')), { code: 'NOT_FOUND' });
});
