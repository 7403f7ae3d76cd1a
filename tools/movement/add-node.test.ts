import t, { type Test } from 'tap';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RingBuilder } from '../../ring/index.js';
import { addNode, formatAddNode } from './add-node.js';
import { builderPath, builderOnlyNodes, MOVED_RINGS } from './builder-devices.js';
import { writeMovementControl } from './movement-files.js';
import { FakeMovementNode, device } from '../../cluster/testing/fake-movement-node.js';
import { writeTestRings } from './testing/test-ring-dir.js';
import { freePort } from '../../test/integration/all-in-one.js';

async function setup(t: Test) {
  const dir = await mkdtemp(join(tmpdir(), 'strata-add-'));
  const old = [new FakeMovementNode('n1'), new FakeMovementNode('n2')];
  const fresh = new FakeMovementNode('n3', [device('sdb'), device('sdc')]);
  t.teardown(async () => { for (const n of [...old, fresh]) n.stop(); await rm(dir, { recursive: true, force: true }); });
  await Promise.all([...old, fresh].map((n) => n.start()));
  await writeTestRings(dir, old.map((n) => n.port));
  return { config: { ringDir: dir, peerSecret: 's', proxyUrl: '', blockGateway: '' }, old, fresh };
}

const mtimes = async (dir: string) => Promise.all(['account', 'container', 'object', 'block'].map(async (n) => (await stat(builderPath(dir, n))).mtimeMs));

t.test('addNode() adds the node\'s devices to the account, container and object builders, not block', async (t) => {
  const { config, old, fresh } = await setup(t);
  await writeMovementControl(config.ringDir, { maxBytesPerSec: 300, paused: true });
  const o = await addNode(config, { ip: '127.0.0.1', port: fresh.port, devices: ['sdb', 'sdc'], weight: 50, region: 1 });
  t.equal(o.id, 'n3', 'the id defaults to the node\'s own');
  t.equal(o.zone, 3, 'a new zone');
  for (const name of MOVED_RINGS) {
    const b = await RingBuilder.load(builderPath(config.ringDir, name));
    const mine = b.devices.filter((d) => d?.port === fresh.port);
    t.same(mine.map((d) => [d!.device, d!.meta, d!.weight, d!.zone]), [['sdb', 'n3', 50, 3], ['sdc', 'n3', 50, 3]], name);
    t.equal(b.changedSinceRebalance, true, 'saved, not rebalanced');
  }
  const block = await RingBuilder.load(builderPath(config.ringDir, 'block'));
  t.notOk(block.devices.some((d) => d?.port === fresh.port), 'block builder unchanged');
  t.same(fresh.pushed.map((p) => p.name), ['account', 'container', 'object', 'block'], 'current rings pushed');
  t.ok(fresh.pushed.every((p) => p.data.length > 0 && !p.force));
  t.same(fresh.control, { maxBytesPerSec: 100, paused: true }, 'movement control: share over 3 nodes');
  t.same(old[0]!.control, { maxBytesPerSec: 100, paused: true }, 'the other nodes get their new share');
  t.same(await builderOnlyNodes(config.ringDir), [{ ip: '127.0.0.1', port: fresh.port }]);
  const text = formatAddNode(o);
  t.match(text, /block ring is not changed/);
  t.match(text, /now run `strata cluster rebalance`/);
});

t.test('addNode() refuses a duplicate ip:port/device and changes no builder', async (t) => {
  const { config, old } = await setup(t);
  const before = await mtimes(config.ringDir);
  await t.rejects(addNode(config, { ip: '127.0.0.1', port: old[0]!.port, devices: ['d1'], weight: 100, region: 1 }), { code: 'ALREADY_EXISTS' });
  t.same(await mtimes(config.ringDir), before);
});

t.test('addNode() refuses a node that does not answer or lacks a device, and changes no builder', async (t) => {
  const { config, fresh } = await setup(t);
  const before = await mtimes(config.ringDir);
  const port = await freePort();
  await t.rejects(addNode(config, { ip: '127.0.0.1', port, devices: ['d1'], weight: 100, region: 1 }, { timeoutMs: 1000 }),
    { code: 'UNAVAILABLE', message: /does not answer as a storage node/ });
  await t.rejects(addNode(config, { ip: '127.0.0.1', port: fresh.port, devices: ['sdb', 'sdz'], weight: 100, region: 1 }),
    { code: 'INVALID_ARGUMENT', message: /has no device "sdz" \(it has: sdb, sdc\)/ });
  await t.rejects(addNode(config, { ip: '127.0.0.1', port: fresh.port, devices: ['sdb', 'sdb'], weight: 100, region: 1 }), { code: 'INVALID_ARGUMENT' });
  await t.rejects(addNode(config, { ip: '127.0.0.1', port: fresh.port, devices: [], weight: 100, region: 1 }), { code: 'INVALID_ARGUMENT' });
  t.same(await mtimes(config.ringDir), before);
  t.same(fresh.pushed, []);
});

t.test('addNode() without a probe registers an id it is given and contacts nobody', async (t) => {
  const { config, fresh } = await setup(t);
  const o = await addNode(config, { ip: '127.0.0.1', port: fresh.port, devices: ['sdb'], weight: 1, region: 2, zone: 7, id: 'later' }, { probe: false });
  t.equal(o.zone, 7);
  t.same(o.pushed, []);
  t.equal(o.control, undefined);
  const b = await RingBuilder.load(builderPath(config.ringDir, 'object'));
  t.same(b.devices.filter((d) => d?.meta === 'later').map((d) => d!.region), [2]);
  await t.rejects(addNode(config, { ip: '127.0.0.1', port: fresh.port + 1, devices: ['x'], weight: 1, region: 1 }, { probe: false }), { code: 'INVALID_ARGUMENT' }, 'no id');
});
