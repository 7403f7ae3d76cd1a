import t from 'tap';
import { RingBuilder, NO_DEVICE, type Device } from '../../ring/index.js';
import { diffPlacement } from '../../ring/index.js';
import { buildPreview, usageSources } from './preview.js';
import { formatPreview, describeEstimate } from './preview-format.js';
import type { RingPlan } from './rebalance-plan.js';

const dev = (id: number): Device => ({ id, region: 1, zone: id, ip: '10.0.0.1', port: 6000 + id, device: 'd1', weight: 1, meta: `n${id}` });
const devices = [0, 1, 2, 3].map(dev);

function plan(name: RingPlan['name'], before: number[][], after: number[][]): RingPlan {
  const builder = RingBuilder.create({ partPower: 2, replicas: 2, minPartHours: 0, hashSecret: 's' });
  const diff = diffPlacement(before.map((r) => Uint16Array.from(r)), after.map((r) => Uint16Array.from(r)));
  return { name, builderFile: '', ringFile: '', builder, report: {} as RingPlan['report'], oldDevices: devices, newDevices: devices,
    oldVersion: 4, diff, changed: true };
}

// Partitions 0..3; in the object ring, partitions 0 and 1 leave n0 for n3, partition 2 leaves n1 for n3.
const object = plan('object', [[0, 0, 1, 2], [1, 1, 2, 0]], [[3, 3, 3, 2], [1, 1, 2, 0]]);
const container = plan('container', [[0, 1, 1, 2], [1, 2, 2, 0]], [[3, 1, 1, 2], [1, 2, 2, 0]]);

t.test('buildPreview() weighs object moves with the source partition sizes and counts listing moves', async (t) => {
  const usage = new Map([['10.0.0.1:6000/d1', new Map([[0, 1000], [1, 24]])], ['10.0.0.1:6001/d1', new Map([[2, 500]])]]);
  const p = buildPreview([object, container], usage, new Set(), { maxBytesPerSec: 100, paused: false });
  t.same(p.total, { partitions: 3, bytes: 1524, listingPartitions: 1 });
  t.same(p.sources, [
    { device: '10.0.0.1:6000/d1', node: 'n0', partitions: 2, bytes: 1024, listingPartitions: 1 },
    { device: '10.0.0.1:6001/d1', node: 'n1', partitions: 1, bytes: 500, listingPartitions: 0 },
  ]);
  t.same(p.destinations, [{ device: '10.0.0.1:6003/d1', node: 'n3', partitions: 3, bytes: 1524, listingPartitions: 1 }]);
  t.equal(p.estimateMs, 15_240);
  t.equal(p.unknownBytes, 0);
  t.same(p.rings.map((r) => [r.name, r.fromVersion, r.moves]), [['object', 4, 3], ['container', 4, 1]]);
  const text = formatPreview(p);
  t.match(text, /10\.0\.0\.1:6000\/d1\s+n0\s+2\s+1\.00 KiB\s+1/);
  t.match(text, /Total: 3 object partition-replicas \(1\.49 KiB\) and 1 listing partition-replicas to move/);
  t.match(text, /Estimated time: 15s at the cluster-wide limit of 100 B\/s/);
  t.match(text, /block ring unchanged/);
});

t.test('buildPreview() marks bytes of silent sources unknown and gives no time when unlimited', async (t) => {
  const p = buildPreview([object], new Map(), new Set(['10.0.0.1:6000']), { maxBytesPerSec: 0, paused: true });
  t.equal(p.unknownBytes, 2);
  t.equal(p.estimateMs, undefined);
  t.match(describeEstimate(p), /no figure, the movement rate is unlimited.*paused/);
  t.match(formatPreview(p), /bytes of 2 object partition-replicas are unknown/);
});

t.test('buildPreview() of nothing says there is nothing to move', async (t) => {
  const p = buildPreview([plan('object', [[0, 1, 2, 3], [1, 2, 3, 0]], [[0, 1, 2, 3], [1, 2, 3, 0]])], new Map(), new Set(), { maxBytesPerSec: 10, paused: false });
  t.same(p.total, { partitions: 0, bytes: 0, listingPartitions: 0 });
  t.equal(describeEstimate(p), 'Estimated time: nothing to move');
});

t.test('buildPreview() counts replicas with no previous device without a source', async (t) => {
  const p = buildPreview([plan('object', [[0, 1, 2, 3], [NO_DEVICE, NO_DEVICE, NO_DEVICE, NO_DEVICE]], [[0, 1, 2, 3], [1, 2, 3, 0]])],
    new Map(), new Set(), { maxBytesPerSec: 0, paused: false });
  t.equal(p.total.partitions, 4);
  t.same(p.sources, []);
  t.equal(p.destinations.length, 4);
});

t.test('usageSources() asks only the nodes object data leaves, per device', async (t) => {
  const s = usageSources([object, container]);
  t.same([...s.keys()].sort(), ['10.0.0.1:6000', '10.0.0.1:6001']);
  t.same([...s.get('10.0.0.1:6000')!.devices], ['d1']);
});
