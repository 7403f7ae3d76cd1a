import t from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summariseMovement, gatherMovementStatus, type NodeAnswer } from './movement-status.js';
import { FakeMovementNode, device } from '../../cluster/testing/fake-movement-node.js';
import { writeTestRings } from './testing/test-ring-dir.js';
import { freePort } from '../../test/integration/all-in-one.js';

const control = { maxBytesPerSec: 0, paused: false };
const ok = (address: string, ringVersions: Record<string, number>, devices = [device('d1')]): NodeAnswer => ({ address, status: {
  nodeId: address, ringVersions, devices, control, movedBytes: 1, movedPartitions: 2, movedListingPartitions: 3, startedMs: 0, clientRequestsInFlight: 0,
} });

t.test('summariseMovement() sums what is left over every device of every node', async (t) => {
  const s = summariseMovement([
    ok('a', { object: 3 }, [device('d1', { handoffPartitions: 2, handoffBytes: 100, listingHandoffPartitions: 1 }), device('d2', { handoffPartitions: 1, handoffBytes: 5 })]),
    ok('b', { object: 3 }, [device('d1', { listingHandoffPartitions: 4 })]),
  ], { object: 3 }, 42);
  t.same(s.toMove, { partitions: 3, bytes: 105, listingPartitions: 5 });
  t.equal(s.done, false);
  t.equal(s.atMs, 42);
  t.equal(s.nodes[0]!.movedListingPartitions, 3);
});

t.test('summariseMovement() is done only when all answered, nothing is left and rings match the files', async (t) => {
  t.equal(summariseMovement([ok('a', { object: 3, block: 1 })], { object: 3, block: 1 }, 0).done, true);
  const behind = summariseMovement([ok('a', { object: 3 }), ok('b', { object: 2 })], { object: 3 }, 0);
  t.equal(behind.ringsInSync, false);
  t.equal(behind.done, false);
  const down = summariseMovement([ok('a', { object: 3 }), { address: 'b', error: 'connect refused' }], { object: 3 }, 0);
  t.same(down.unreachable, ['b']);
  t.equal(down.nodes[1]!.error, 'connect refused');
  t.equal(down.done, false);
  t.equal(summariseMovement([], {}, 0).done, false, 'no node at all is not done');
  t.equal(summariseMovement([ok('a', {})], { object: 3 }, 0).ringsInSync, true, 'a ring the node does not report is not held against it');
});

t.test('gatherMovementStatus() asks every ring node and extra addresses, and lists the silent ones quickly', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'strata-mv-'));
  const a = new FakeMovementNode('n1', [device('d1', { handoffPartitions: 2, handoffBytes: 10 })]);
  const b = new FakeMovementNode('n2');
  const extra = new FakeMovementNode('n4', [device('d1', { listingHandoffPartitions: 1 })]);
  t.teardown(async () => { a.stop(); b.stop(); extra.stop(); await rm(dir, { recursive: true, force: true }); });
  await Promise.all([a.start(), b.start(), extra.start()]);
  const deadPort = await freePort(); // after the fakes bound theirs, so it differs from all of them
  await writeTestRings(dir, [a.port, b.port, deadPort]);
  a.status.ringVersions = { account: 1, container: 1, object: 1, block: 1 };
  b.status.ringVersions = { object: 1 };
  const started = Date.now();
  const s = await gatherMovementStatus({ ringDir: dir, peerSecret: 'x', proxyUrl: '', blockGateway: '' },
    { timeoutMs: 1000, extra: [{ ip: '127.0.0.1', port: extra.port }] });
  t.ok(Date.now() - started < 5000, 'bounded by the timeout');
  t.same(s.unreachable, [`127.0.0.1:${deadPort}`]);
  t.same(s.toMove, { partitions: 2, bytes: 10, listingPartitions: 1 });
  t.same(s.ringFiles, { account: 1, container: 1, object: 1, block: 1 });
  t.same(s.nodes.map((n) => n.nodeId).sort(), ['', 'n1', 'n2', 'n4']);
  t.equal(s.done, false);
});

t.test('gatherMovementStatus() asks a late node once more before calling it unreachable', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'strata-mv-'));
  const slow = new FakeMovementNode('n1', [device('d1', { handoffPartitions: 1, handoffBytes: 7 })]);
  const slower = new FakeMovementNode('n2');
  t.teardown(async () => { slow.stop(); slower.stop(); await rm(dir, { recursive: true, force: true }); });
  await Promise.all([slow.start(), slower.start()]);
  await writeTestRings(dir, [slow.port, slower.port]);
  slow.statusDelaysMs = [600]; // misses the first deadline, answers the second call at once
  slower.statusDelaysMs = [600, 1200]; // misses both
  const s = await gatherMovementStatus({ ringDir: dir, peerSecret: 'x', proxyUrl: '', blockGateway: '' }, { timeoutMs: 300 });
  t.same(s.unreachable, [`127.0.0.1:${slower.port}`], 'only the node that missed both deadlines is unreachable');
  t.same(s.toMove, { partitions: 1, bytes: 7, listingPartitions: 0 }, 'the late answer counts');
});

t.test('gatherMovementStatus() finds no node when the ring folder has no rings', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'strata-mv-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const s = await gatherMovementStatus({ ringDir: dir, peerSecret: 'x', proxyUrl: '', blockGateway: '' });
  t.same(s.nodes, []);
  t.equal(s.done, false);
});
