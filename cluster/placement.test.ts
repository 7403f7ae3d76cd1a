import t from 'tap';
import { ManualClock } from '../common/index.js';
import { ErrorLimiter } from './error-limiter.js';
import { Placement, deviceKey, ringPath, type PlacementRing, type RingDevice } from './placement.js';
import { FakeRing } from './testing/fake-ring.js';

const devs = (n: number, port = 6000): RingDevice[] => Array.from({ length: n }, (_, i) => ({ id: i, ip: '10.0.0.1', port: port + i, device: `d${i}` }));

t.test('ringPath() builds account, container and object paths', async (t) => {
  t.equal(ringPath('a'), '/a');
  t.equal(ringPath('a', 'c'), '/a/c');
  t.equal(ringPath('a', 'c', 'o/p'), '/a/c/o/p');
});

t.test('Placement.locate() bounds handoffs and follows a reloaded ring', async (t) => {
  const source: { ring: PlacementRing } = { ring: new FakeRing(devs(6)) };
  const p = new Placement(source, new ErrorLimiter({ threshold: 1, windowMs: 1000, suppressionMs: 1000 }, new ManualClock()), 2);
  const first = p.locate('/a/c/o');
  t.equal(first.primaries.length, 3);
  t.equal(first.handoffs.length, 2, 'at most maxHandoffs');
  source.ring = new FakeRing(devs(6, 7000));
  t.equal(p.locate('/a/c/o').primaries[0]!.port >= 7000, true, 'the new ring is used by the next request');
});

t.test('Placement orders reads and writes around error-limited devices', async (t) => {
  const limiter = new ErrorLimiter({ threshold: 1, windowMs: 1000, suppressionMs: 1000 }, new ManualClock());
  const p = new Placement({ ring: new FakeRing(devs(6)) }, limiter, 3);
  const loc = p.locate('/a/c/o');
  const [p0, p1] = loc.primaries;
  limiter.recordError(deviceKey(p0!), 'TIMEOUT');
  const order = p.readOrder(loc);
  t.equal(order.length, 6);
  t.same(order[0]!.device, p1, 'a healthy primary first');
  t.same(order[order.length - 1]!.device, p0, 'the limited primary last');
  const { targets, spares } = p.writeTargets(loc);
  t.same(targets.map((n) => n.slot), [0, 1, 2]);
  t.ok(targets[0]!.handoff, 'the limited primary is replaced by a handoff');
  t.same(targets[0]!.device, loc.handoffs[0]);
  t.same(spares, loc.handoffs.slice(1));
});

t.test('Placement.writeTargets() keeps a limited primary when no handoff is left', async (t) => {
  const limiter = new ErrorLimiter({ threshold: 1, windowMs: 1000, suppressionMs: 1000 }, new ManualClock());
  const p = new Placement({ ring: new FakeRing(devs(3)) }, limiter, 3);
  const loc = p.locate('/a/c/o');
  limiter.recordError(deviceKey(loc.primaries[0]!), 'UNAVAILABLE');
  const { targets } = p.writeTargets(loc);
  t.same(targets.map((n) => n.device), loc.primaries);
});

t.test('Placement keeps the previous ring: its primaries are read after the new ones, before handoffs', async (t) => {
  const limiter = new ErrorLimiter({ threshold: 1, windowMs: 1000, suppressionMs: 1000 }, new ManualClock());
  const all = devs(6);
  const v1 = new FakeRing(all);
  const rotated = new FakeRing([...all.slice(1), all[0]!]);
  const v2: PlacementRing = { version: 2, replicaCount: 3, partOf: (x) => rotated.partOf(x), primaries: (x) => rotated.primaries(x), handoffs: (x) => rotated.handoffs(x) };
  const listeners: Array<(r: PlacementRing) => void> = [];
  const source = { ring: v1 as PlacementRing, onReload: (fn: (r: PlacementRing) => void) => listeners.push(fn) };
  const p = new Placement(source, limiter, 3);
  t.same(p.locate('/a/c/o').previous, [], 'no previous ring at first');
  t.equal(p.previousVersion, undefined);
  source.ring = v2;
  for (const fn of listeners) fn(v2);
  t.equal(p.previousVersion, 1);
  const loc = p.locate('/a/c/o');
  const oldPrimaries = v1.primaries(loc.partition);
  const stillPrimary = new Set(loc.primaries.map(deviceKey));
  t.same(loc.previous, oldPrimaries.filter((d) => !stillPrimary.has(deviceKey(d))), 'only the old primaries that are not primaries now');
  t.equal(loc.previous.length, 1);
  const order = p.readOrder(loc);
  t.same(order.slice(0, 3).map((n) => n.device), loc.primaries);
  t.same(order[3], { device: loc.previous[0], slot: 0, handoff: false, previous: true });
  t.equal(new Set(order.map((n) => deviceKey(n.device))).size, order.length, 'a previous primary that is also a handoff is asked once');
  t.same(p.writeTargets(loc).targets.map((n) => n.device), loc.primaries, 'writes go to the new primaries');
});

t.test('Placement remembers the ring it was built with when a reload comes before any request', async (t) => {
  const limiter = new ErrorLimiter({ threshold: 1, windowMs: 1000, suppressionMs: 1000 }, new ManualClock());
  const all = devs(6);
  const v1 = new FakeRing(all);
  const rotated = new FakeRing([...all.slice(3), ...all.slice(0, 3)]);
  const v2: PlacementRing = { version: 2, replicaCount: 3, partOf: (x) => rotated.partOf(x), primaries: (x) => rotated.primaries(x), handoffs: (x) => rotated.handoffs(x) };
  const listeners: Array<(r: PlacementRing) => void> = [];
  const source = { ring: v1 as PlacementRing, onReload: (fn: (r: PlacementRing) => void) => listeners.push(fn) };
  const p = new Placement(source, limiter, 3);
  source.ring = v2;
  for (const fn of listeners) fn(v2);
  const loc = p.locate('/a/c/o');
  t.same(loc.previous, v1.primaries(loc.partition), 'all three old primaries are read after the new ones');
  const unloaded = new Placement({ get ring(): PlacementRing { throw new Error('not loaded'); } }, limiter, 3);
  t.equal(unloaded.previousVersion, undefined, 'a source not loaded yet is fine');
});
