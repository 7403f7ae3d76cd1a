import t from 'tap';
import { RateMeter, computeProgress, estimateMs } from './movement-progress.js';
import { summariseMovement, type NodeAnswer } from './movement-status.js';
import { device } from '../../cluster/testing/fake-movement-node.js';
import type { MovementPlan } from './movement-files.js';

const control = { maxBytesPerSec: 0, paused: false };

function answer(address: string, moved: { bytes: number; partitions?: number }, left: { parts?: number; bytes?: number; listing?: number } = {}): NodeAnswer {
  return { address, status: {
    nodeId: address, ringVersions: { object: 2 }, control, movedBytes: moved.bytes, movedPartitions: moved.partitions ?? 0,
    movedListingPartitions: 0, startedMs: 0, clientRequestsInFlight: 0,
    devices: [device('d1', { handoffPartitions: left.parts ?? 0, handoffBytes: left.bytes ?? 0, listingHandoffPartitions: left.listing ?? 0 })],
  } };
}

const snap = (atMs: number, answers: NodeAnswer[]) => summariseMovement(answers, { object: 2 }, atMs);

t.test('RateMeter.rate() is undefined with one sample (measuring), then bytes per second between samples', async (t) => {
  const m = new RateMeter();
  m.add(snap(1000, [answer('a', { bytes: 0 }), answer('b', { bytes: 100 })]));
  t.equal(m.rate(), undefined);
  m.add(snap(3000, [answer('a', { bytes: 2000, partitions: 2 }), answer('b', { bytes: 2100 })]));
  t.same(m.rate(), { bytesPerSec: 2000, partitionsPerSec: 1 });
});

t.test('RateMeter counts a restarted node\'s counter from zero, never backwards', async (t) => {
  const m = new RateMeter();
  m.add(snap(0, [answer('a', { bytes: 10_000 })]));
  m.add(snap(1000, [answer('a', { bytes: 500 })]));
  t.equal(m.rate()?.bytesPerSec, 500);
});

t.test('RateMeter ignores unreachable nodes and a node seen for the first time', async (t) => {
  const m = new RateMeter();
  m.add(snap(0, [answer('a', { bytes: 0 }), { address: 'b', error: 'down' }]));
  m.add(snap(1000, [answer('a', { bytes: 100 }), answer('b', { bytes: 1_000_000 })]));
  t.equal(m.rate()?.bytesPerSec, 100);
});

t.test('RateMeter keeps only the samples inside its window', async (t) => {
  const m = new RateMeter(10_000);
  m.add(snap(0, [answer('a', { bytes: 0 })]));
  m.add(snap(10_000, [answer('a', { bytes: 1_000_000 })]));
  m.add(snap(20_000, [answer('a', { bytes: 1_000_000 })]));
  t.equal(m.rate()?.bytesPerSec, 0, 'the fast interval left the window');
});

t.test('estimateMs() uses bytes, then partitions; unknown when paused, measuring or stalled', async (t) => {
  const rate = { bytesPerSec: 100, partitionsPerSec: 2 };
  t.equal(estimateMs({ partitions: 1, bytes: 1000, listingPartitions: 0 }, rate, false, false), 10_000);
  t.equal(estimateMs({ partitions: 0, bytes: 0, listingPartitions: 4 }, rate, false, false), 2_000);
  t.equal(estimateMs({ partitions: 1, bytes: 1000, listingPartitions: 0 }, rate, true, false), 0, 'done');
  t.equal(estimateMs({ partitions: 1, bytes: 1000, listingPartitions: 0 }, rate, false, true), undefined, 'paused');
  t.equal(estimateMs({ partitions: 1, bytes: 1000, listingPartitions: 0 }, undefined, false, false), undefined, 'measuring');
  t.equal(estimateMs({ partitions: 1, bytes: 1000, listingPartitions: 0 }, { bytesPerSec: 0, partitionsPerSec: 0 }, false, false), undefined, 'stalled');
});

const plan: MovementPlan = { startedMs: 1, kind: 'rebalance', ringVersions: { account: 2, container: 2, object: 2 },
  expected: { partitions: 10, bytes: 1000, listingPartitions: 4 } };

t.test('computeProgress() derives moved from the plan minus what is left, and the fraction by bytes', async (t) => {
  const s = snap(5000, [answer('a', { bytes: 700, partitions: 6 }, { parts: 4, bytes: 250, listing: 1 })]);
  const p = computeProgress(s, plan, control, { bytesPerSec: 50, partitionsPerSec: 1 });
  t.same(p.moved, { partitions: 6, bytes: 750, listingPartitions: 3 });
  t.same(p.counters, { partitions: 6, bytes: 700, listingPartitions: 0 });
  t.equal(p.fraction, 0.75);
  t.equal(p.etaMs, 5000);
  t.equal(p.paused, false);
});

t.test('computeProgress() never says 100% before done and clamps moved at zero when more is left than planned', async (t) => {
  const more = computeProgress(snap(0, [answer('a', { bytes: 0 }, { parts: 20, bytes: 5000 })]), plan, control, undefined);
  t.same(more.moved, { partitions: 0, bytes: 0, listingPartitions: 4 });
  const almost = computeProgress(snap(0, [answer('a', { bytes: 0 }, { listing: 1 })]), plan, control, undefined);
  t.ok(almost.fraction! < 1, 'listing partitions left');
  const done = computeProgress(snap(0, [answer('a', { bytes: 0 })]), plan, control, undefined);
  t.equal(done.fraction, 1);
  t.equal(done.etaMs, 0);
});

t.test('computeProgress() without a plan has no fraction until done, and reports a paused control', async (t) => {
  const p = computeProgress(snap(0, [answer('a', { bytes: 0 }, { parts: 1, bytes: 5 })]), undefined, { maxBytesPerSec: 0, paused: true }, undefined);
  t.equal(p.fraction, undefined);
  t.equal(p.paused, true);
  t.equal(p.etaMs, undefined);
});

t.test('computeProgress() with one sample shows the average since the plan started, and its ETA', async (t) => {
  // Plan started at 1 ms; 10 s later 750 of 1,000 bytes moved: 75 B/s, 250 B left → 3.33 s.
  const s = snap(10_001, [answer('a', { bytes: 700, partitions: 6 }, { parts: 4, bytes: 250, listing: 1 })]);
  const p = computeProgress(s, plan, control, undefined);
  t.equal(p.rateIsAverage, true, 'marked as an average');
  t.equal(p.rate?.bytesPerSec, 75);
  t.equal(p.rate?.partitionsPerSec, 0.9, 'object and listing partitions moved per second');
  t.equal(Math.round(p.etaMs!), 3333);
  const measured = computeProgress(s, plan, control, { bytesPerSec: 50, partitionsPerSec: 1 });
  t.equal(measured.rateIsAverage, undefined, 'a measured rate wins over the average');
  t.equal(measured.rate?.bytesPerSec, 50);
  const early = computeProgress(snap(500, [answer('a', { bytes: 0 }, { parts: 4, bytes: 250, listing: 1 })]), plan, control, undefined);
  t.equal(early.rate, undefined, 'no average in the first second');
  const none = computeProgress(snap(10_001, [answer('a', { bytes: 0 }, { parts: 10, bytes: 1000, listing: 4 })]), plan, control, undefined);
  t.equal(none.rate, undefined, 'nothing moved yet: still measuring');
});
