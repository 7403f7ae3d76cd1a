import t from 'tap';
import { diffPlacement, groupMoves, partitionsBelowQuorum, type RingDiff } from './ring-diff.js';
import { RingBuilder } from './builder.js';
import { addLayout, addRandomLayout } from './test-layouts.js';
import { SeededRandom } from './random.js';
import { NO_DEVICE } from './device.js';

const HOUR_MS = 3_600_000;

const copy = (table: ReadonlyArray<Uint16Array>): Uint16Array[] => table.map((r) => r.slice());

/** The obvious set-based count of changed partition-replicas, as a reference. */
function reference(before: Uint16Array[], after: ReadonlyArray<Uint16Array>): { moved: number; kept: number[] } {
  const kept: number[] = [];
  let moved = 0;
  for (let p = 0; p < after[0]!.length; p++) {
    const was = new Set(before.map((row) => row[p]).filter((d) => d !== NO_DEVICE));
    let k = 0;
    for (const row of after) {
      if (row[p] === NO_DEVICE) continue;
      if (was.has(row[p]!)) k++;
      else moved++;
    }
    kept.push(k);
  }
  return { moved, kept };
}

/** Every move goes from a device that held the partition to one that did not, once each. */
function checkMoves(d: RingDiff, before: Uint16Array[], after: ReadonlyArray<Uint16Array>): string | undefined {
  const sourcesUsed = new Map<number, Set<number>>();
  for (let i = 0; i < d.moveCount; i++) {
    const p = d.movePart[i]!;
    const oldSet = before.map((row) => row[p]);
    const newSet = after.map((row) => row[p]);
    if (!newSet.includes(d.moveTo[i]!)) return `move ${i}: destination not a new replica of ${p}`;
    if (oldSet.includes(d.moveTo[i]!)) return `move ${i}: destination already held ${p}`;
    const from = d.moveFrom[i]!;
    if (from === NO_DEVICE) continue;
    if (!oldSet.includes(from) || newSet.includes(from)) return `move ${i}: source ${from} is not a leaving replica of ${p}`;
    const used = sourcesUsed.get(p) ?? new Set<number>();
    if (used.has(from)) return `move ${i}: source ${from} used twice for ${p}`;
    used.add(from);
    sourcesUsed.set(p, used);
  }
  return undefined;
}

t.test('diffPlacement() agrees with a set-based reference over random layouts and changes', async (t) => {
  for (let seed = 1; seed <= 25; seed++) {
    const rnd = new SeededRandom(seed * 104729);
    const b = RingBuilder.create({ partPower: 6 + rnd.below(4), replicas: 1 + rnd.below(3), minPartHours: 1, hashSecret: 'x' });
    const ids = addRandomLayout(b, seed);
    if (ids.length < b.replicas) addLayout(b, { regions: 1, zones: 1, servers: 3, disks: 1 }, 50);
    let now = 1_000 * HOUR_MS;
    b.rebalance({ seed, nowMs: now });
    for (let step = 0; step < 4; step++) {
      const before = copy(b.table!);
      const op = rnd.below(3);
      const live = b.devices.filter((d) => d !== undefined);
      if (op === 0) addLayout(b, { regions: 1, zones: 1 + rnd.below(2), servers: 1, disks: 1 }, 100 + step * 10 + seed);
      else if (op === 1 && live.length > b.replicas + 1) b.removeDevice(live[rnd.below(live.length)]!.id);
      else b.setWeight(live[rnd.below(live.length)]!.id, rnd.below(3));
      now += (rnd.below(2) + 1) * HOUR_MS;
      try {
        b.rebalance({ seed: seed + step, nowMs: now });
      } catch {
        continue; // too few weighted devices for the replicas: nothing to compare
      }
      const d = diffPlacement(before, b.table!);
      const ref = reference(before, b.table!);
      t.equal(d.moveCount, ref.moved, `seed ${seed} step ${step}: moves`);
      t.same(Array.from(d.kept), ref.kept, `seed ${seed} step ${step}: kept per partition`);
      t.equal(checkMoves(d, before, b.table!), undefined, `seed ${seed} step ${step}: moves are consistent`);
      t.equal(groupMoves(d).reduce((s, g) => s + g.count, 0), d.moveCount, `seed ${seed} step ${step}: groups add up`);
    }
  }
});

t.test('diffPlacement() of a placement with itself moves nothing and keeps every replica', async (t) => {
  const b = RingBuilder.create({ partPower: 8, replicas: 3, minPartHours: 1, hashSecret: 'x' });
  addLayout(b, { regions: 1, zones: 4, servers: 2, disks: 2 });
  b.rebalance({ seed: 3 });
  const d = diffPlacement(b.table, b.table!);
  t.equal(d.moveCount, 0);
  t.ok(d.kept.every((k) => k === 3));
  t.same(partitionsBelowQuorum(d, 2), { count: 0, first: undefined });
});

t.test('diffPlacement() keeps at least replicas-1 in place when min_part_hours limits a rebalance', async (t) => {
  const b = RingBuilder.create({ partPower: 10, replicas: 3, minPartHours: 1, hashSecret: 'x' });
  addLayout(b, { regions: 1, zones: 4, servers: 1, disks: 1 });
  b.rebalance({ seed: 1, nowMs: 100 * HOUR_MS });
  const before = copy(b.table!);
  addLayout(b, { regions: 1, zones: 4, servers: 1, disks: 1 }, 5);
  b.pretendMinPartHoursPassed();
  b.rebalance({ seed: 2, nowMs: 200 * HOUR_MS });
  const d = diffPlacement(before, b.table!);
  t.ok(d.moveCount > 0, 'new devices receive partitions');
  t.ok(d.kept.every((k) => k >= 2), 'at most one replica of a partition moves');
  t.same(partitionsBelowQuorum(d, 2), { count: 0, first: undefined });
  let toNew = 0;
  for (let i = 0; i < d.moveCount; i++) if (d.moveTo[i]! >= 4) toNew++;
  t.equal(toNew, d.moveCount, 'only the new devices receive partitions');
});

t.test('diffPlacement() names a removed device as the source of its replicas', async (t) => {
  const before = [Uint16Array.of(0, 1), Uint16Array.of(1, 2), Uint16Array.of(2, 0)];
  const after = [Uint16Array.of(0, 1), Uint16Array.of(1, 3), Uint16Array.of(3, 0)];
  const oldToNew = [0, 1, -1]; // device 2 is gone
  const d = diffPlacement(before, after, oldToNew);
  t.equal(d.moveCount, 2);
  t.same([d.moveFrom[0], d.moveTo[0], d.movePart[0]], [2, 3, 0]);
  t.same([d.moveFrom[1], d.moveTo[1], d.movePart[1]], [2, 3, 1]);
  t.same(Array.from(d.kept), [2, 2]);
});

t.test('diffPlacement() does not count a reused id as the same disk', async (t) => {
  const before = [Uint16Array.of(0), Uint16Array.of(1), Uint16Array.of(2)];
  const after = [Uint16Array.of(0), Uint16Array.of(1), Uint16Array.of(2)];
  const d = diffPlacement(before, after, [0, 1, -1]); // id 2 now names another disk
  t.equal(d.moveCount, 1);
  t.same([d.moveFrom[0], d.moveTo[0]], [2, 2]);
  t.equal(d.kept[0], 2);
});

t.test('diffPlacement() of a new ring reports every replica as new with no source', async (t) => {
  const after = [Uint16Array.of(0, 1, NO_DEVICE), Uint16Array.of(1, 2, 2)];
  const d = diffPlacement(undefined, after);
  t.equal(d.moveCount, 5);
  t.ok(Array.from(d.moveFrom.subarray(0, 5)).every((f) => f === NO_DEVICE));
  t.same(Array.from(d.held), [0, 0, 0]);
  t.same(partitionsBelowQuorum(d, 2), { count: 0, first: undefined }, 'partitions without data are not below quorum');
});

t.test('partitionsBelowQuorum() counts partitions losing two of three replicas at once', async (t) => {
  const before = [Uint16Array.of(0, 0, 0), Uint16Array.of(1, 1, 1), Uint16Array.of(2, 2, 2)];
  const after = [Uint16Array.of(0, 3, 0), Uint16Array.of(1, 4, 4), Uint16Array.of(2, 2, 5)];
  const d = diffPlacement(before, after);
  t.same(Array.from(d.kept), [3, 1, 1]);
  t.same(partitionsBelowQuorum(d, 2), { count: 2, first: 1 });
  t.same(groupMoves(d), [{ from: 1, to: 4, count: 2 }, { from: 0, to: 3, count: 1 }, { from: 2, to: 5, count: 1 }]);
  t.equal(d.moveCount, 4);
});

t.test('partitionsBelowQuorum() does not refuse a partition that already had fewer copies', async (t) => {
  const before = [Uint16Array.of(0)];
  const after = [Uint16Array.of(0), Uint16Array.of(1), Uint16Array.of(2)];
  const d = diffPlacement(before, after);
  t.equal(d.kept[0], 1);
  t.same(partitionsBelowQuorum(d, 2), { count: 0, first: undefined });
});

t.test('diffPlacement() refuses tables with different partition counts', async (t) => {
  t.throws(() => diffPlacement([new Uint16Array(4)], [new Uint16Array(8)]), { code: 'INVALID_ARGUMENT' });
});

t.test('diffPlacement() handles 2^20 partitions x 3 replicas quickly', async (t) => {
  const parts = 2 ** 20;
  const rnd = new SeededRandom(42);
  const before = [0, 1, 2].map((r) => {
    const row = new Uint16Array(parts);
    for (let p = 0; p < parts; p++) row[p] = (p * 3 + r) % 60;
    return row;
  });
  const after = copy(before);
  let changed = 0;
  for (let i = 0; i < parts / 10; i++) {
    const p = rnd.below(parts);
    const r = rnd.below(3);
    if (after[r]![p]! >= 60) continue;
    after[r]![p] = 60 + rnd.below(20);
    changed++;
  }
  const start = performance.now();
  const d = diffPlacement(before, after);
  const ms = performance.now() - start;
  t.equal(d.moveCount, changed);
  t.ok(ms < 3000, `took ${ms.toFixed(0)} ms`);
  const groups = groupMoves(d);
  t.equal(groups.reduce((s, g) => s + g.count, 0), changed);
});
