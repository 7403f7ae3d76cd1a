import t from 'tap';
import { readFile, access } from 'node:fs/promises';
import { join } from 'node:path';
import { Ring, ringFilePath } from '../../ring/index.js';
import type { MovementPlan } from '../movement/movement-files.js';
import { loadRingSet } from './ring-set.js';
import { rebalanceOperation, drainOperation, removeNodeOperation, stepsAfterMovement, type OperationOptions } from './operations.js';
import { makeRingDir, addNodeToBuilders, fakeCluster, doneSnapshot, nodeMovement, usageOf } from './flow-fixture.js';

const YES: OperationOptions = { yes: true, dryRun: false, force: false, seed: 7 };
const addr = (i: number): string => `127.0.0.1:${7000 + i}`;
const exists = (f: string): Promise<boolean> => access(f).then(() => true, () => false);

/** Partition-replicas that differ between two rings, by disk name. */
function moved(before: Ring, after: Ring): number {
  let n = 0;
  for (let p = 0; p < after.partCount; p++) {
    const old = new Set(before.primaries(p).map((d) => `${d.port}/${d.device}`));
    for (const d of after.primaries(p)) if (!old.has(`${d.port}/${d.device}`)) n++;
  }
  return n;
}

t.test('rebalanceOperation() after adding nodes writes the rings and the plan and pushes to every node', async (t) => {
  const { ringDir, teardown } = await makeRingDir(4);
  t.teardown(teardown);
  await addNodeToBuilders(ringDir, 5);
  await addNodeToBuilders(ringDir, 6);
  const before = await Ring.load(ringFilePath(ringDir, 'object'));
  const f = fakeCluster();
  // Every partition on node 1 weighs 100 bytes.
  f.usage.set(`${addr(1)}/d1`, new Map(Array.from({ length: 64 }, (_, p) => [p, 100])));
  f.control = { maxBytesPerSec: 50, paused: false };
  const r = await rebalanceOperation(await loadRingSet(ringDir), f.io, YES);
  t.equal(r.outcome, 'pushed');
  const after = await Ring.load(ringFilePath(ringDir, 'object'));
  t.equal(after.version, before.version + 1, 'a new object ring was written');
  const ringMoves = moved(before, after);
  t.ok(ringMoves > 0);
  const plan = JSON.parse(await readFile(join(ringDir, 'movement-plan.json'), 'utf8')) as MovementPlan;
  t.equal(plan.kind, 'rebalance');
  t.equal(plan.expected.partitions, ringMoves, 'the plan counts what the ring moves');
  const fromN1 = r.preview.sources.find((s) => s.node === 'n1');
  t.equal(plan.expected.bytes, (fromN1?.partitions ?? 0) * 100, 'bytes come from the source node');
  t.ok(plan.expected.listingPartitions > 0);
  t.same(plan.ringVersions, { account: 2, container: 2, object: 2 });
  t.equal(plan.startedMs, 1_700_000_000_000);
  t.same([...f.pushed.keys()].sort(), [1, 2, 3, 4, 5, 6].map(addr), 'every node of the old and new rings got the rings');
  t.same(f.pushed.get(addr(5)), { account: 2, container: 2, object: 2 });
  t.same(r.failedPushes, []);
  t.same(f.gatheredExtra.sort(), [1, 2, 3, 4, 5, 6].map(addr), 'the new nodes were asked for their status too');
  t.ok(r.preview.destinations.every((d) => d.node === 'n5' || d.node === 'n6'), 'only the new nodes receive data');
  t.ok(r.plans.every((p) => p.diff.kept.every((k) => k >= 2)), 'every partition keeps a quorum in place');
  t.match(f.lines.join('\n'), /Estimated time: (\d+m)?\d+s at the cluster-wide limit of 50 B\/s/);
  t.match(f.lines.join('\n'), /n5 127\.0\.0\.1:7005: uses account v2, container v2, object v2/);
  const blockRing = await Ring.load(ringFilePath(ringDir, 'block'));
  t.equal(blockRing.version, 1, 'the block ring is left alone');
});

t.test('rebalanceOperation() says when nothing moves and pushes nothing', async (t) => {
  const { ringDir, teardown } = await makeRingDir(4);
  t.teardown(teardown);
  const f = fakeCluster();
  const r = await rebalanceOperation(await loadRingSet(ringDir), f.io, YES);
  t.equal(r.outcome, 'nothing-to-move');
  t.equal(f.pushed.size, 0);
  t.notOk(await exists(join(ringDir, 'movement-plan.json')));
  t.match(f.lines.join('\n'), /Nothing to move/);
  t.equal((await Ring.load(ringFilePath(ringDir, 'object'))).version, 1);
});

t.test('rebalanceOperation() refuses while the previous movement is not finished, unless forced', async (t) => {
  const { ringDir, teardown } = await makeRingDir(4);
  t.teardown(teardown);
  await addNodeToBuilders(ringDir, 5);
  const f = fakeCluster();
  f.snapshot = doneSnapshot([1, 2, 3, 4, 5].map(addr), { done: false, toMove: { partitions: 12, bytes: 4096, listingPartitions: 3 } });
  await t.rejects(rebalanceOperation(await loadRingSet(ringDir), f.io, YES), { code: 'PRECONDITION_FAILED', message: /not finished, 12 partitions \(4\.00 KiB\).*--force/ });
  t.equal(f.pushed.size, 0);
  f.snapshot = doneSnapshot([1, 2, 3, 4].map(addr), { done: false, unreachable: [addr(5)] });
  await t.rejects(rebalanceOperation(await loadRingSet(ringDir), f.io, YES), { code: 'PRECONDITION_FAILED', message: /127\.0\.0\.1:7005 did not answer/ });
  f.snapshot = doneSnapshot([1, 2, 3, 4, 5].map(addr), { done: false, ringsInSync: false });
  await t.rejects(rebalanceOperation(await loadRingSet(ringDir), f.io, YES), { code: 'PRECONDITION_FAILED', message: /ring files' versions/ });

  // Forced: the movement may still be under way, so min_part_hours keeps holding: partitions
  // moved by the last rebalance do not move again.
  const first = await rebalanceOperation(await loadRingSet(ringDir), fakeCluster().io, YES);
  t.equal(first.outcome, 'pushed');
  const movedFirst = new Set(Array.from(first.plans[2]!.diff.movePart.subarray(0, first.plans[2]!.diff.moveCount)));
  await addNodeToBuilders(ringDir, 6);
  f.snapshot = doneSnapshot([1, 2, 3, 4, 5, 6].map(addr), { done: false, toMove: { partitions: 1, bytes: 1, listingPartitions: 0 } });
  const forced = await rebalanceOperation(await loadRingSet(ringDir), f.io, { ...YES, dryRun: true, force: true });
  const d = forced.plans[2]!.diff;
  t.ok(d.moveCount > 0, 'forced: partitions move');
  t.notOk(Array.from(d.movePart.subarray(0, d.moveCount)).some((p) => movedFirst.has(p)), 'forced: min_part_hours holds back what just moved');
  const pretended = await rebalanceOperation(await loadRingSet(ringDir), fakeCluster().io, { ...YES, dryRun: true });
  t.ok(pretended.plans[2]!.diff.moveCount >= d.moveCount, 'finished movement: min_part_hours is pretended away');
});

t.test('rebalanceOperation() needs --yes when standard input is not a terminal, and asks on one', async (t) => {
  const { ringDir, teardown } = await makeRingDir(4);
  t.teardown(teardown);
  await addNodeToBuilders(ringDir, 5);
  const f = fakeCluster();
  const ask = f.io.ask;
  f.io.ask = undefined;
  await t.rejects(rebalanceOperation(await loadRingSet(ringDir), f.io, { ...YES, yes: false }), { code: 'INVALID_ARGUMENT', message: /--yes/ });
  t.equal((await Ring.load(ringFilePath(ringDir, 'object'))).version, 1, 'nothing written');
  f.io.ask = ask;
  f.answer = false;
  const declined = await rebalanceOperation(await loadRingSet(ringDir), f.io, { ...YES, yes: false });
  t.equal(declined.outcome, 'declined');
  t.match(f.asked[0], /^Move \d+ partition-replicas \(.+\)\? \[y\/N\] $/);
  t.equal(f.pushed.size, 0);
  f.answer = true;
  t.equal((await rebalanceOperation(await loadRingSet(ringDir), f.io, { ...YES, yes: false })).outcome, 'pushed');
});

t.test('rebalanceOperation() --dry-run writes and pushes nothing', async (t) => {
  const { ringDir, teardown } = await makeRingDir(4);
  t.teardown(teardown);
  await addNodeToBuilders(ringDir, 5);
  const builderBefore = await readFile(join(ringDir, 'object.builder'));
  const f = fakeCluster();
  const r = await rebalanceOperation(await loadRingSet(ringDir), f.io, { ...YES, dryRun: true });
  t.equal(r.outcome, 'dry-run');
  t.ok(r.preview.total.partitions > 0);
  t.same(await readFile(join(ringDir, 'object.builder')), builderBefore, 'builder unchanged');
  t.equal(f.pushed.size, 0);
  t.match(f.lines.join('\n'), /no figure, the movement rate is unlimited/);
});

t.test('rebalanceOperation() refuses when a node that would receive data does not answer', async (t) => {
  const { ringDir, teardown } = await makeRingDir(4);
  t.teardown(teardown);
  await addNodeToBuilders(ringDir, 5);
  const f = fakeCluster();
  f.snapshot = doneSnapshot([1, 2, 3, 4].map(addr));
  f.snapshot.nodes.push(nodeMovement(addr(5), { error: 'down' }));
  await t.rejects(rebalanceOperation(await loadRingSet(ringDir), f.io, { ...YES, force: true }), { code: 'PRECONDITION_FAILED', message: /7005 would receive data but did not answer/ });
});

t.test('rebalanceOperation() refuses a change that leaves partitions below the write quorum', async (t) => {
  const { ringDir, teardown } = await makeRingDir(5);
  t.teardown(teardown);
  // Two nodes removed at once: partitions with replicas on both keep one of three in place.
  const { RingBuilder } = await import('../../ring/index.js');
  for (const name of ['account', 'container', 'object']) {
    const b = await RingBuilder.load(join(ringDir, `${name}.builder`));
    b.removeDevice(0);
    b.removeDevice(1);
    await b.save(join(ringDir, `${name}.builder`));
  }
  const f = fakeCluster();
  await t.rejects(rebalanceOperation(await loadRingSet(ringDir), f.io, YES), { code: 'PRECONDITION_FAILED', message: /partitions? of the account ring would keep fewer than 2 of 3 replicas .* e\.g\. partition \d+ keeps 1 of 3/ });
  t.equal(f.pushed.size, 0);
});

t.test('rebalanceOperation() reports nodes that did not take the rings', async (t) => {
  const { ringDir, teardown } = await makeRingDir(4);
  t.teardown(teardown);
  await addNodeToBuilders(ringDir, 5);
  const f = fakeCluster();
  f.snapshot = doneSnapshot([1, 2, 3, 4, 5].map(addr));
  f.down.add(addr(2));
  const r = await rebalanceOperation(await loadRingSet(ringDir), f.io, YES);
  t.equal(r.outcome, 'pushed');
  t.same(r.failedPushes.map((p) => p.address), [addr(2)]);
  t.match(f.lines.join('\n'), /n2 127\.0\.0\.1:7002: did not take the new rings: .*must get them later/);
  t.ok(r.preview.unknownBytes > 0, 'bytes of partitions leaving the silent node are unknown');
});

t.test('drainOperation() moves everything off a node and then says it can be switched off', async (t) => {
  const { ringDir, teardown } = await makeRingDir(5, { blockNodes: 3 });
  t.teardown(teardown);
  const f = fakeCluster();
  const r = await drainOperation(await loadRingSet(ringDir), f.io, 'n4', YES);
  t.equal(r.outcome, 'pushed');
  t.ok(r.preview.sources.length === 1 && r.preview.sources[0]!.node === 'n4', 'data leaves n4 only');
  t.same(r.next, [], 'no switch-off advice before the data has moved');
  t.same(stepsAfterMovement(await loadRingSet(ringDir), r), ['node n4 holds no data: it can be switched off; then `strata cluster remove-node n4`'],
    'once the movement is done, the node may go');
  const plan = JSON.parse(await readFile(join(ringDir, 'movement-plan.json'), 'utf8')) as MovementPlan;
  t.same(plan.drain, { devices: [`${addr(4)}/d1`] });
  t.equal(plan.kind, 'drain');
  for (const name of ['account', 'container', 'object'] as const) {
    const ring = await Ring.load(ringFilePath(ringDir, name));
    t.equal(ring.devices.find((d) => d?.meta === 'n4')?.weight, 0, `${name}: n4 weighs 0`);
    let onN4 = 0;
    for (let p = 0; p < ring.partCount; p++) if (ring.primaries(p).some((d) => d.meta === 'n4')) onN4++;
    t.equal(onN4, 0, `${name}: nothing placed on n4`);
  }
  t.notMatch(f.lines.join('\n'), /block ring; its block extents stay/, 'n4 is not in the block ring');

  // Drained already: nothing to move, and the node may go.
  const again = await drainOperation(await loadRingSet(ringDir), fakeCluster().io, 'n4', YES);
  t.equal(again.outcome, 'nothing-to-move');
  t.same(again.next, ['node n4 holds no data: it can be switched off; then `strata cluster remove-node n4`']);
  const plain = await rebalanceOperation(await loadRingSet(ringDir), fakeCluster().io, YES);
  t.same(plain.next, ['node n4 holds no data: it can be switched off; then `strata cluster remove-node n4`'], 'rebalance says so too');
});

t.test('drainOperation() names unknown targets and notes the block ring', async (t) => {
  const { ringDir, teardown } = await makeRingDir(5);
  t.teardown(teardown);
  const f = fakeCluster();
  await t.rejects(drainOperation(await loadRingSet(ringDir), f.io, 'n9', YES), { code: 'NOT_FOUND', message: /Cannot find node "n9"/ });
  await t.rejects(drainOperation(await loadRingSet(ringDir), f.io, '127.0.0.1:7001/d9', YES), { code: 'NOT_FOUND', message: /device/ });
  const r = await drainOperation(await loadRingSet(ringDir), f.io, `${addr(2)}/d1`, YES);
  t.equal(r.target?.kind, 'device');
  t.match(f.lines.join('\n'), /127\.0\.0\.1:7002\/d1 is still a device of the block ring/);
  t.same(stepsAfterMovement(await loadRingSet(ringDir), r), ['device 127.0.0.1:7002/d1 holds no object or listing data, but the block ring still uses it (block extents do not move yet)']);
  const node = await drainOperation(await loadRingSet(ringDir), fakeCluster().io, 'n3', YES);
  t.same(stepsAfterMovement(await loadRingSet(ringDir), node), ['node n3 holds no object or listing data, but the block ring still uses it: keep it running (block extents do not move yet)']);
  const removed = { ...node, kind: 'remove' as const };
  t.same(stepsAfterMovement(await loadRingSet(ringDir), removed), []);
});

t.test('removeNodeOperation() refuses while the node holds data, then removes the drained node', async (t) => {
  const { ringDir, teardown } = await makeRingDir(5, { blockNodes: 3 });
  t.teardown(teardown);
  const f = fakeCluster();
  f.snapshot = doneSnapshot([1, 2, 3, 4, 5].map(addr));
  f.snapshot.nodes[3] = nodeMovement(addr(4), { devices: [usageOf({ objectFiles: 10, objectBytes: 5000, objectPartitions: 7 })] });
  await t.rejects(removeNodeOperation(await loadRingSet(ringDir), f.io, 'n4', YES), { code: 'PRECONDITION_FAILED', message: /still holds \d+ partitions \(4\.88 KiB\): drain it first/ });
  await t.rejects(removeNodeOperation(await loadRingSet(ringDir), f.io, `${addr(4)}/d1`, YES), { code: 'INVALID_ARGUMENT' });

  await drainOperation(await loadRingSet(ringDir), fakeCluster().io, 'n4', YES);
  const g = fakeCluster();
  g.down.add(addr(4));
  await t.rejects(removeNodeOperation(await loadRingSet(ringDir), g.io, 'n4', YES), { code: 'PRECONDITION_FAILED', message: /does not answer.*--force/ });
  const removed = await removeNodeOperation(await loadRingSet(ringDir), g.io, 'n4', { ...YES, force: true });
  t.equal(removed.outcome, 'pushed');
  t.same(removed.failedPushes, [], 'the removed node not answering is expected');
  const plan = JSON.parse(await readFile(join(ringDir, 'movement-plan.json'), 'utf8')) as MovementPlan;
  t.equal(plan.kind, 'remove');
  for (const name of ['account', 'container', 'object'] as const) {
    const ring = await Ring.load(ringFilePath(ringDir, name));
    t.notOk(ring.devices.some((d) => d?.meta === 'n4'), `${name}: n4 is gone`);
  }
  await t.rejects(removeNodeOperation(await loadRingSet(ringDir), fakeCluster().io, 'n4', YES), { code: 'NOT_FOUND' });
});

t.test('removeNodeOperation() removes an answering empty node without --force', async (t) => {
  const { ringDir, teardown } = await makeRingDir(5, { blockNodes: 3 });
  t.teardown(teardown);
  await drainOperation(await loadRingSet(ringDir), fakeCluster().io, 'n5', YES);
  const f = fakeCluster();
  const r = await removeNodeOperation(await loadRingSet(ringDir), f.io, '127.0.0.1:7005', YES);
  t.equal(r.outcome, 'pushed');
  t.ok(f.pushed.has(addr(5)), 'the removed node is told too');
  t.equal(r.preview.total.partitions, 0);
  t.same(r.next, ['node n5 is no longer in the account, container and object rings']);
});
