import t, { type Test } from 'tap';
import { RingBuilder } from './builder.js';
import { addLayout, addRandomLayout } from './test-layouts.js';
import { SeededRandom } from './random.js';
import { computeBalance } from './dispersion.js';
import type { Device } from './device.js';

const HOUR_MS = 3_600_000;

function snapshot(b: RingBuilder): Uint16Array[] {
  return b.table!.map((row) => row.slice());
}

/** Partition-replicas whose device changed, and the most replicas of one partition that changed. */
function diff(before: Uint16Array[], after: ReadonlyArray<Uint16Array>): { moved: number; maxPerPart: number } {
  let moved = 0;
  let maxPerPart = 0;
  for (let p = 0; p < before[0]!.length; p++) {
    const was = new Set(before.map((row) => row[p]));
    let n = 0;
    for (const row of after) if (!was.has(row[p]!)) n++;
    moved += n;
    maxPerPart = Math.max(maxPerPart, n);
  }
  return { moved, maxPerPart };
}

function assertInvariants(t: Test, b: RingBuilder, label: string): void {
  const errors = b.validate().filter((v) => v.severity === 'error');
  t.same(errors, [], `${label}: no invariant violated`);
}

t.test('RingBuilder.rebalance() keeps every invariant over random layouts and operations', async (t) => {
  for (let seed = 1; seed <= 40; seed++) {
    const rnd = new SeededRandom(seed * 7919);
    const b = RingBuilder.create({ partPower: 6 + rnd.below(4), replicas: 1 + rnd.below(3), minPartHours: 1, hashSecret: 'x' });
    const ids = addRandomLayout(b, seed);
    if (ids.length < b.replicas) addLayout(b, { regions: 1, zones: 1, servers: 3, disks: 1 }, 50);
    let now = 1_000 * HOUR_MS;
    const first = b.rebalance({ seed, nowMs: now });
    t.equal(first.assigned, b.replicas * b.partCount, `seed ${seed}: every replica assigned`);
    t.equal(first.dispersion.partitions, 0, `seed ${seed}: dispersion as good as the layout allows`);
    t.ok(first.balance <= first.bestBalance + 1e-9 || first.warnings.length > 0,
      `seed ${seed}: best balance in one round (${first.balance} vs ${first.bestBalance}; ${first.warnings.join('; ')})`);
    assertInvariants(t, b, `seed ${seed} build`);
    for (let step = 0; step < 4; step++) {
      const live = b.devices.filter((d): d is Device => d !== undefined && !b.pendingRemoval.includes(d.id));
      const op = rnd.below(4);
      const victim = live[rnd.below(live.length)]!;
      const weighted = live.filter((d) => d.weight > 0).length;
      if (op === 0) addLayout(b, { regions: 1, zones: 1, servers: 1, disks: 1 + rnd.below(3) }, 100 + step);
      else if (op === 1 && weighted > b.replicas) b.removeDevice(victim.id);
      else if (op === 2 && weighted > b.replicas) b.setWeight(victim.id, 0);
      else b.setWeight(victim.id, 1 + rnd.below(4));
      const before = snapshot(b);
      now += 2 * HOUR_MS;
      const rep = b.rebalance({ seed: seed + step, nowMs: now });
      assertInvariants(t, b, `seed ${seed} step ${step}`);
      t.equal(rep.dispersion.partitions, 0, `seed ${seed} step ${step}: dispersion kept`);
      t.equal(rep.moved, diff(before, b.table!).moved, `seed ${seed} step ${step}: moved is reported exactly`);
    }
  }
});

t.test('RingBuilder.rebalance() gives the best whole-partition balance in one round', async (t) => {
  const b = RingBuilder.create({ partPower: 12, replicas: 3, minPartHours: 1 });
  addLayout(b, { regions: 2, zones: 3, servers: 4, disks: 4, weightOf: (_r, _z, s) => (s % 3 === 0 ? 2 : 1) });
  const r = b.rebalance({ seed: 1 });
  t.equal(r.balance.toFixed(6), r.bestBalance.toFixed(6));
  t.ok(r.balance < 2, `balance ${r.balance}`);
  t.equal(r.dispersion.partitions, 0);
  t.same(r.warnings, []);
});

t.test('RingBuilder.rebalance() moves close to the ideal when servers are added', async (t) => {
  const b = RingBuilder.create({ partPower: 12, replicas: 3, minPartHours: 1 });
  addLayout(b, { regions: 1, zones: 4, servers: 5, disks: 4 });
  b.rebalance({ seed: 1 });
  b.pretendMinPartHoursPassed();
  addLayout(b, { regions: 1, zones: 4, servers: 1, disks: 4 }, 10);
  const r = b.rebalance({ seed: 2 });
  const ideal = (16 / 96) * 3 * b.partCount;
  t.ok(r.moved / ideal <= 1.02, `moved ${r.moved} vs ideal ${ideal}`);
  t.ok(r.moved / ideal >= 0.95, 'new devices got their share');
  t.equal(r.balance.toFixed(6), r.bestBalance.toFixed(6), 'best balance in the same round');
  t.equal(r.dispersion.partitions, 0);
});

t.test('RingBuilder.rebalance() moves close to the ideal when a server goes or a disk fails', async (t) => {
  for (const seed of [1, 2, 3]) {
    // Part power 14: with fewer partitions per device, one stray move is already a few percent.
    const b = RingBuilder.create({ partPower: 14, replicas: 3, minPartHours: 1 });
    const ids = addLayout(b, { regions: 2, zones: 3, servers: 4, disks: 3, weightOf: (_r, _z, s) => (s % 3 === 2 ? 2 : 1) });
    b.rebalance({ seed });
    const total = b.devices.reduce((a, d) => a + (d?.weight ?? 0), 0);
    const slots = 3 * b.partCount;
    const fail = b.clone();
    fail.pretendMinPartHoursPassed();
    fail.setWeight(ids[4]!, 0);
    const f = fail.rebalance({ seed: seed + 10 });
    const failIdeal = (b.devices[ids[4]!]!.weight / total) * slots;
    t.ok(f.moved / failIdeal <= 1.05, `seed ${seed}: failed disk moved ${f.moved} vs ideal ${failIdeal.toFixed(0)}`);
    const gone = b.clone();
    gone.pretendMinPartHoursPassed();
    const server = ids.slice(3, 6);
    server.forEach((id) => gone.removeDevice(id));
    const g = gone.rebalance({ seed: seed + 20 });
    const goneIdeal = (server.reduce((a, id) => a + b.devices[id]!.weight, 0) / total) * slots;
    t.ok(g.moved / goneIdeal <= 1.05, `seed ${seed}: removed server moved ${g.moved} vs ideal ${goneIdeal.toFixed(0)}`);
    t.equal(g.dispersion.partitions, 0);
    t.equal(f.dispersion.partitions, 0);
  }
});

t.test('RingBuilder.rebalance() is deterministic for a seed', async (t) => {
  const make = (): RingBuilder => {
    const b = RingBuilder.create({ partPower: 10, replicas: 3, minPartHours: 0, hashSecret: 's' });
    addRandomLayout(b, 99);
    addLayout(b, { regions: 1, zones: 2, servers: 2, disks: 2 }, 20);
    return b;
  };
  const a = make();
  const c = make();
  a.rebalance({ seed: 5, nowMs: 0 });
  c.rebalance({ seed: 5, nowMs: 0 });
  a.setWeight(0, 0);
  c.setWeight(0, 0);
  a.rebalance({ seed: 6, nowMs: HOUR_MS });
  c.rebalance({ seed: 6, nowMs: HOUR_MS });
  t.same(a.table, c.table);
});

t.test('RingBuilder.rebalance() moves at most one replica of a partition per min_part_hours', async (t) => {
  const b = RingBuilder.create({ partPower: 10, replicas: 3, minPartHours: 2 });
  addLayout(b, { regions: 1, zones: 3, servers: 2, disks: 2 });
  b.rebalance({ seed: 1, nowMs: 0 });
  addLayout(b, { regions: 1, zones: 3, servers: 2, disks: 2 }, 10);
  const before = snapshot(b);
  const early = b.rebalance({ seed: 2, nowMs: HOUR_MS });
  t.equal(early.moved, 0, 'nothing moves before min_part_hours after the first build');
  const r = b.rebalance({ seed: 3, nowMs: 3 * HOUR_MS });
  t.ok(r.moved > 0);
  t.equal(diff(before, b.table!).maxPerPart, 1, 'one replica per partition');
  const again = b.rebalance({ seed: 4, nowMs: 4 * HOUR_MS });
  t.equal(again.moved, 0, 'moved partitions wait for min_part_hours');
  b.pretendMinPartHoursPassed();
  const rounds: number[] = [];
  for (let i = 0; i < 4; i++) {
    rounds.push(b.rebalance({ seed: 5 + i, nowMs: 4 * HOUR_MS }).balance);
    b.pretendMinPartHoursPassed();
  }
  t.ok(rounds[rounds.length - 1]! < 1, `balanced after pretending: ${rounds.join(', ')}`);
});

t.test('RingBuilder.rebalance() drains removed and weight-0 devices first', async (t) => {
  const b = RingBuilder.create({ partPower: 10, replicas: 3, minPartHours: 24 });
  const ids = addLayout(b, { regions: 1, zones: 4, servers: 2, disks: 2 });
  b.rebalance({ seed: 1, nowMs: 0 });
  const before = snapshot(b);
  b.removeDevice(ids[0]!);
  b.setWeight(ids[5]!, 0);
  const r = b.rebalance({ seed: 2, nowMs: 25 * HOUR_MS });
  t.equal(b.devices[ids[0]!], undefined, 'removed device is gone');
  // A partition with replicas on both devices moves only the removed one's now (one per period).
  const shared = new Set<number>();
  for (let p = 0; p < b.partCount; p++) {
    const devs = before.map((row) => row[p]);
    if (devs.includes(ids[0]!) && devs.includes(ids[5]!)) shared.add(p);
  }
  const left: number[] = [];
  for (let p = 0; p < b.partCount; p++) if (b.table!.some((row) => row[p] === ids[5]!)) left.push(p);
  t.ok(left.every((p) => shared.has(p)), 'weight-0 device keeps only partitions that already moved a replica');
  t.equal(r.onZeroWeight, left.length);
  const next = b.rebalance({ seed: 3, nowMs: 50 * HOUR_MS });
  t.equal(computeBalance(b.devices, b.table!).parts[ids[5]!], 0, 'weight-0 device empty after the next period');
  t.equal(next.onZeroWeight, 0);
  assertInvariants(t, b, 'after drain');
  b.removeDevice(ids[1]!);
  const forced = b.rebalance({ seed: 4, nowMs: 51 * HOUR_MS });
  t.ok(forced.moved > 0, 'a removed device drains even within min_part_hours');
  assertInvariants(t, b, 'after forced drain');
});

t.test('RingBuilder keeps dispersion over balance unless an overload is set, and says so', async (t) => {
  const build = (overload?: number): ReturnType<RingBuilder['rebalance']> => {
    const b = RingBuilder.create({ partPower: 10, replicas: 3, minPartHours: 0 });
    addLayout(b, { regions: 1, zones: 2, servers: 2, disks: 2 });
    // A third zone with a tenth of the others' weight: full dispersion needs it to hold a third.
    addLayout(b, { regions: 1, zones: 1, servers: 1, disks: 1, weightOf: () => 0.4 }, 9);
    b.setWeight(b.devices.length - 1, 0.4);
    const id = b.addDevice({ region: 0, zone: 7, ip: '10.9.9.9', port: 6200, device: 'd0', weight: 0.4, meta: '' });
    t.equal(id, b.devices.length - 1);
    if (overload !== undefined) b.setOverload(overload);
    return b.rebalance({ seed: 1 });
  };
  const strict = build();
  t.equal(strict.dispersion.partitions, 0, 'dispersion wins by default');
  t.ok(strict.requiredOverload > 1, `required overload ${strict.requiredOverload}`);
  t.match(strict.warnings.join('\n'), /Dispersion outweighs balance/);
  const loose = build(0);
  t.ok(loose.balance < strict.balance, `overload 0 favours balance: ${loose.balance} < ${strict.balance}`);
  t.ok(loose.dispersion.partitions > 0, 'and gives up dispersion');
  t.match(loose.warnings.join('\n'), /below the .* needed for full dispersion/);
  const some = build(0.5);
  t.ok(some.balance > loose.balance && some.balance < strict.balance, 'overload 50% lies between');
});

t.test('RingBuilder rejects bad input with codes', async (t) => {
  t.throws(() => RingBuilder.create({ partPower: 0, replicas: 3, minPartHours: 1 }), { code: 'INVALID_ARGUMENT' });
  t.throws(() => RingBuilder.create({ partPower: 25, replicas: 3, minPartHours: 1 }), { code: 'INVALID_ARGUMENT' });
  t.throws(() => RingBuilder.create({ partPower: 8, replicas: 0, minPartHours: 1 }), { code: 'INVALID_ARGUMENT' });
  const b = RingBuilder.create({ partPower: 8, replicas: 3, minPartHours: 1 });
  addLayout(b, { regions: 1, zones: 1, servers: 1, disks: 2 });
  t.throws(() => b.rebalance(), { code: 'INVALID_ARGUMENT' }, 'too few devices');
  t.throws(() => b.addDevice({ region: 0, zone: 0, ip: '10.0.0.0', port: 6200, device: 'd0', weight: 1, meta: '' }), { code: 'ALREADY_EXISTS' });
  t.throws(() => b.addDevice({ region: 0, zone: 0, ip: '10.0.0.9', port: 6200, device: 'd0', weight: -1, meta: '' }), { code: 'INVALID_ARGUMENT' });
  t.throws(() => b.addDevice({ region: 0, zone: 0, ip: '10.0.0.9', port: 70000, device: 'd0', weight: 1, meta: '' }), { code: 'INVALID_ARGUMENT' });
  t.throws(() => b.addDevice({ id: 0, region: 0, zone: 0, ip: '10.0.0.9', port: 6200, device: 'd0', weight: 1, meta: '' }), { code: 'ALREADY_EXISTS' });
  t.throws(() => b.setWeight(42, 1), { code: 'NOT_FOUND' });
  t.throws(() => b.setWeight(0, Number.NaN), { code: 'INVALID_ARGUMENT' });
  t.throws(() => b.removeDevice(42), { code: 'NOT_FOUND' });
  t.throws(() => b.setOverload(-1), { code: 'INVALID_ARGUMENT' });
  t.throws(() => b.ringData(), { code: 'PRECONDITION_FAILED' });
});
