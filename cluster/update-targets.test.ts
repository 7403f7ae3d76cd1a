import t from 'tap';
import { updateTargetsFor } from './update-targets.js';

const devs = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i, ip: `10.0.0.${i}`, port: 6200, device: `d${i}` }));

t.test('updateTargetsFor() gives each container replica to one object replica', async (t) => {
  const listing = { partition: 9, primaries: devs(3) };
  const all = [0, 1, 2].flatMap((slot) => updateTargetsFor(slot, 3, listing));
  t.same(all.map((x) => x.device).sort(), ['d0', 'd1', 'd2']);
  t.equal(all[0]!.partition, 9);
});

t.test('updateTargetsFor() spreads more container replicas over fewer object replicas', async (t) => {
  const listing = { partition: 1, primaries: devs(5) };
  t.same(updateTargetsFor(0, 3, listing).map((x) => x.device), ['d0', 'd3']);
  t.same(updateTargetsFor(1, 3, listing).map((x) => x.device), ['d1', 'd4']);
  t.same(updateTargetsFor(2, 3, listing).map((x) => x.device), ['d2']);
});

t.test('updateTargetsFor() still gives every object replica a target with fewer container replicas', async (t) => {
  const listing = { partition: 1, primaries: devs(2) };
  t.same([0, 1, 2].map((s) => updateTargetsFor(s, 3, listing).map((x) => x.device)), [['d0'], ['d1'], ['d0']]);
  t.same(updateTargetsFor(0, 3, { partition: 1, primaries: [] }), []);
});
