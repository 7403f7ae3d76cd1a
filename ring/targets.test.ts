import t from 'tap';
import { computeTargets, waterFill } from './targets.js';
import { roundGroup } from './quotas.js';
import { Topology } from './topology.js';
import type { Device } from './device.js';

const dev = (id: number, zone: number, weight: number, ip = `10.0.${zone}.1`): Device =>
  ({ id, region: 1, zone, ip, port: 6200, device: `d${id}`, weight, meta: '' });

t.test('waterFill() splits by weight and hands what a capped child cannot take to the rest', async (t) => {
  t.same(waterFill(3, [1, 1, 1], [1, 1, 1]), [1, 1, 1]);
  t.same(waterFill(3, [10, 10, 1], [1, 1, 1]), [1, 1, 1], 'a light zone still gets its one replica');
  const shares = waterFill(2, [3, 1], [2, 2]);
  t.equal(shares[0], 1.5);
  t.equal(shares[1], 0.5);
  t.same(waterFill(1, [0, 0], [1, 1]), [0, 0], 'no weight, nothing placed');
});

t.test('computeTargets() puts dispersion first and reports the overload it needs', async (t) => {
  const devices = [dev(0, 1, 10), dev(1, 2, 10), dev(2, 3, 1)];
  const topo = new Topology(devices);
  const strict = computeTargets(topo, 3);
  t.same(Array.from(strict.perPart[3]!), [1, 1, 1], 'each zone holds one replica of every partition');
  t.ok(Math.abs(strict.requiredOverload - (1 / (3 / 21) - 1)) < 1e-9, `required ${strict.requiredOverload}`);
  const loose = computeTargets(topo, 3, 0);
  t.same(Array.from(loose.perPart[1]!), Array.from(strict.perPart[1]!), 'caps still bind at one replica per zone');
  const wide = new Topology([dev(0, 1, 10), dev(1, 2, 10), dev(2, 3, 1), dev(3, 4, 10)]);
  const w0 = computeTargets(wide, 3, 0).perPart[1]!;
  t.ok(Math.abs(w0[2]! - (3 * 1) / 31) < 1e-9, 'overload 0: the light zone gets its weight share');
  t.ok(Math.abs(computeTargets(wide, 3).perPart[1]![2]! - 3 / 31) < 1e-9, 'no conflict when zones outnumber replicas');
});

t.test('roundGroup() hits the total with the least worst deviation and prefers what is held', async (t) => {
  const whole = roundGroup([1.5, 1.5, 1.5, 1.5], 6, [10, 10, 10, 10], [1, 2, 2, 1]);
  t.same(whole, [1, 2, 2, 1], 'ties go to the nodes that hold more now');
  t.same(roundGroup([2.6, 1.4], 4, [10, 10], [0, 0]), [3, 1]);
  t.same(roundGroup([5, 5], 10, [3, 10], [0, 0]), [3, 7], 'caps respected');
});
