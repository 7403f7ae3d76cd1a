import t, { type Test } from 'tap';
import { mkdtemp, rm, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { changeMovementControl, formatControlOutcome } from './movement-control.js';
import { readMovementControl, nodeShare, readMovementPlan } from './movement-files.js';
import { FakeMovementNode } from '../../cluster/testing/fake-movement-node.js';
import { writeTestRings } from './testing/test-ring-dir.js';
import { freePort } from '../../test/integration/all-in-one.js';

async function cluster(t: Test, up: number, down: number) {
  const dir = await mkdtemp(join(tmpdir(), 'strata-ctl-'));
  const nodes = Array.from({ length: up }, (_, i) => new FakeMovementNode(`n${i + 1}`));
  t.teardown(async () => { for (const n of nodes) n.stop(); await rm(dir, { recursive: true, force: true }); });
  await Promise.all(nodes.map((n) => n.start()));
  const dead: number[] = [];
  for (let i = 0; i < down; i++) dead.push(await freePort());
  await writeTestRings(dir, [...nodes.map((n) => n.port), ...dead]);
  return { config: { ringDir: dir, peerSecret: 's', proxyUrl: '', blockGateway: '' }, nodes, dead };
}

t.test('nodeShare() rounds each node\'s share up and keeps 0 unlimited', async (t) => {
  t.equal(nodeShare(100, 3), 34);
  t.equal(nodeShare(0, 3), 0);
  t.equal(nodeShare(10, 0), 10);
});

t.test('changeMovementControl() writes movement.json and gives every node its share', async (t) => {
  const { config, nodes } = await cluster(t, 3, 0);
  const o = await changeMovementControl(config, { maxBytesPerSec: 100 * 1024 * 1024 });
  t.same(JSON.parse(await readFile(join(config.ringDir, 'movement.json'), 'utf8')), { maxBytesPerSec: 100 * 1024 * 1024, paused: false });
  t.equal(o.share, Math.ceil((100 * 1024 * 1024) / 3));
  t.same(nodes.map((n) => n.control), nodes.map(() => ({ maxBytesPerSec: o.share, paused: false })));
  t.match(formatControlOutcome(o), /cluster-wide limit 100 MiB\/s \(33\.3 MiB\/s per node over 3 nodes\)/);

  await changeMovementControl(config, { paused: true });
  t.same(await readMovementControl(config.ringDir), { maxBytesPerSec: 100 * 1024 * 1024, paused: true }, 'pause keeps the rate');
  t.ok(nodes.every((n) => n.control.paused && n.control.maxBytesPerSec === o.share));
  await changeMovementControl(config, { paused: false });
  t.ok(nodes.every((n) => !n.control.paused), 'resume reaches every node');
});

t.test('changeMovementControl() lists unreachable nodes; they count in the share', async (t) => {
  const { config, nodes, dead } = await cluster(t, 2, 1);
  const o = await changeMovementControl(config, { maxBytesPerSec: 300 }, { timeoutMs: 1000 });
  t.equal(o.share, 100);
  t.same(o.results.filter((r) => !r.control).map((r) => r.address), [`127.0.0.1:${dead[0]}`]);
  t.equal(nodes[0]!.control.maxBytesPerSec, 100);
  t.match(formatControlOutcome(o), /1 nodes did not get the setting \(127\.0\.0\.1:\d+\); they get it at the next/);
  t.match(formatControlOutcome(o), /UNREACHABLE/);
});

t.test('readMovementControl() and readMovementPlan() default when missing and refuse malformed files with CORRUPT', async (t) => {
  const dir = t.testdir({ 'movement.json': '{"maxBytesPerSec": -1, "paused": false}', 'movement-plan.json': 'nope' });
  await t.rejects(readMovementControl(dir), { code: 'CORRUPT' });
  await t.rejects(readMovementPlan(dir), { code: 'CORRUPT' });
  await writeFile(join(dir, 'movement-plan.json'), JSON.stringify({ startedMs: 1, kind: 'drain', ringVersions: {}, expected: { partitions: 1, bytes: 2 } }));
  await t.rejects(readMovementPlan(dir), { code: 'CORRUPT' }, 'listingPartitions missing');
  const empty = t.testdir({});
  t.same(await readMovementControl(empty), { maxBytesPerSec: 0, paused: false });
  t.equal(await readMovementPlan(empty), undefined);
});
