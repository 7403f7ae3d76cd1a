import t from 'tap';
import { RingBuilder, type Device } from '../../ring/index.js';
import { diffPlacement } from '../../ring/index.js';
import { movementRefusal, quorumRefusal, destinationRefusal, destinationAddresses, removalRefusal } from './safety.js';
import type { RingPlan } from './rebalance-plan.js';
import type { Target } from './drain-target.js';
import { doneSnapshot, nodeMovement, usageOf, nodeDevice } from './flow-fixture.js';

const dev = (id: number, port: number): Device => ({ id, region: 1, zone: id, ip: '10.0.0.1', port, device: 'd1', weight: 1, meta: `n${id}` });

/** A plan of a 3-replica, 2-partition ring from two tables (devices 0..5 on ports 6000..6005). */
function plan(before: number[][], after: number[][]): RingPlan {
  const devices = [0, 1, 2, 3, 4, 5].map((i) => dev(i, 6000 + i));
  const builder = RingBuilder.create({ partPower: 1, replicas: 3, minPartHours: 0, hashSecret: 's' });
  const diff = diffPlacement(before.map((r) => Uint16Array.from(r)), after.map((r) => Uint16Array.from(r)));
  return { name: 'object', builderFile: '', ringFile: '', builder, report: {} as RingPlan['report'], oldDevices: devices, newDevices: devices,
    oldVersion: 1, diff, changed: true };
}

t.test('movementRefusal() passes a finished movement and names what is pending otherwise', async (t) => {
  t.equal(movementRefusal(doneSnapshot(['a:1'])), undefined);
  t.match(movementRefusal(doneSnapshot(['a:1'], { done: false, unreachable: ['b:1', 'c:1', 'd:1', 'e:1'] })),
    /storage nodes b:1, c:1, d:1 and 1 more did not answer.*--force/);
  t.match(movementRefusal(doneSnapshot(['a:1'], { done: false, ringsInSync: false })), /ring files' versions.*--force/);
  t.match(movementRefusal(doneSnapshot(['a:1'], { done: false, toMove: { partitions: 3, bytes: 2048, listingPartitions: 1 } })),
    /3 partitions \(2\.00 KiB\) and 1 listing partitions still to move.*--force/);
});

t.test('quorumRefusal() refuses only partitions keeping fewer than 2 of 3 replicas in place', async (t) => {
  t.equal(quorumRefusal([plan([[0, 0], [1, 1], [2, 2]], [[3, 0], [1, 1], [2, 2]])]), undefined, 'one replica moving is fine');
  t.match(quorumRefusal([plan([[0, 0], [1, 1], [2, 2]], [[3, 0], [4, 1], [2, 2]])]),
    /^Cannot rebalance: 1 partition of the object ring would keep fewer than 2 of 3 replicas \(the write quorum\) where their data is, e\.g\. partition 0 keeps 1 of 3/);
});

t.test('destinationRefusal() refuses when a node receiving data does not answer', async (t) => {
  const p = plan([[0, 0], [1, 1], [2, 2]], [[3, 0], [1, 4], [2, 2]]);
  t.same(destinationAddresses([p]), ['10.0.0.1:6003', '10.0.0.1:6004']);
  const s = doneSnapshot(['10.0.0.1:6003', '10.0.0.1:6004']);
  t.equal(destinationRefusal([p], s), undefined);
  s.nodes[1] = nodeMovement('10.0.0.1:6004', { error: 'down' });
  t.match(destinationRefusal([p], s), /storage node 10\.0\.0\.1:6004 would receive data but did not answer/);
  t.match(destinationRefusal([p], doneSnapshot([])), /nodes 10\.0\.0\.1:6003, 10\.0\.0\.1:6004 would receive/, 'a node not asked counts as silent');
});

t.test('removalRefusal() checks block ring, answer and data', async (t) => {
  const target: Target = { label: 'n4', kind: 'node', deviceKeys: ['127.0.0.1:7004/d1'], addresses: ['127.0.0.1:7004'] };
  const facts = { block: undefined, listingPartitionsInRings: 0, force: false };
  const empty = doneSnapshot(['127.0.0.1:7004']);
  t.equal(removalRefusal(target, empty, facts), undefined);
  const full = doneSnapshot([]);
  full.nodes.push(nodeMovement('127.0.0.1:7004', { devices: [usageOf({ objectFiles: 3, objectBytes: 3000, objectPartitions: 2 })] }));
  t.equal(removalRefusal(target, full, facts), 'Cannot remove node "n4": it still holds 2 partitions (2.93 KiB): drain it first ("strata cluster drain n4")');
  t.match(removalRefusal(target, empty, { ...facts, listingPartitionsInRings: 5 }), /still holds 5 partitions \(0 B\)/);
  const listingHandoffs = doneSnapshot([]);
  listingHandoffs.nodes.push(nodeMovement('127.0.0.1:7004', { devices: [usageOf({ listingHandoffPartitions: 2 })] }));
  t.match(removalRefusal(target, listingHandoffs, facts), /still holds 2 partitions/);
  const silent = doneSnapshot([]);
  silent.nodes.push(nodeMovement('127.0.0.1:7004', { error: 'down' }));
  t.match(removalRefusal(target, silent, facts), /does not answer.*--force/);
  t.equal(removalRefusal(target, silent, { ...facts, force: true }), undefined);
  t.match(removalRefusal(target, doneSnapshot([]), facts), /does not answer/, 'a node not asked counts as silent');

  const b = RingBuilder.create({ partPower: 2, replicas: 3, minPartHours: 0, hashSecret: 's' });
  for (const i of [2, 3, 4]) b.addDevice(nodeDevice(i));
  b.rebalance({ seed: 1 });
  const { Ring } = await import('../../ring/index.js');
  const block = await Ring.fromData(b.ringData());
  t.match(removalRefusal(target, empty, { ...facts, block }), /block ring/);
  t.match(removalRefusal(target, silent, { ...facts, block, force: true }), /block ring/, 'even when forced');
  t.match(removalRefusal(target, full, { ...facts, block }), /drain it first/, 'holding data is named before the block ring');
});
