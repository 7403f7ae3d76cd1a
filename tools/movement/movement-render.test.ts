import t from 'tap';
import { Writable } from 'node:stream';
import { summariseMovement, type NodeAnswer, type MovementSnapshot } from './movement-status.js';
import { computeProgress } from './movement-progress.js';
import { formatMovementLine, formatMovementReport, movementJson, barPayload, textBar, describeRate } from './movement-render.js';
import { showMovement, chooseMode, type MovementSources } from './movement-watch.js';
import { device } from '../../cluster/testing/fake-movement-node.js';
import type { MovementPlan } from './movement-files.js';

const GiB = 1024 ** 3;
const plan: MovementPlan = { startedMs: Date.UTC(2026, 0, 1), kind: 'rebalance', ringVersions: { account: 2, container: 2, object: 2 },
  expected: { partitions: 100, bytes: 4 * GiB, listingPartitions: 10 } };

function node(address: string, o: { moved: number; left: number; leftBytes: number; object?: number; paused?: boolean }): NodeAnswer {
  return { address, status: {
    nodeId: address.replace(/.*:/, 'n'), ringVersions: { object: o.object ?? 2 }, control: { maxBytesPerSec: 1000, paused: o.paused ?? false },
    movedBytes: o.moved, movedPartitions: 0, movedListingPartitions: 0, startedMs: 0, clientRequestsInFlight: 0,
    devices: [device('d1', { capacityBytes: 100 * GiB, usedBytes: 25 * GiB, objectBytes: 20 * GiB, objectPartitions: 300,
      handoffPartitions: o.left, handoffBytes: o.leftBytes })],
  } };
}

const snapshot = (atMs: number, answers: NodeAnswer[]): MovementSnapshot => summariseMovement(answers, { object: 2 }, atMs);

t.test('formatMovementReport() shows moved, left, rate, ETA, fill, ring versions, control and unreachable nodes', async (t) => {
  const s = snapshot(0, [node('10.0.0.1:6201', { moved: 0, left: 50, leftBytes: GiB, object: 1 }), { address: '10.0.0.2:6201', error: 'connect refused' }]);
  const text = formatMovementReport(computeProgress(s, plan, { maxBytesPerSec: 50 * 1024 * 1024, paused: false }, undefined));
  t.match(text, /Moved +50 partitions \(3\.00 GiB\)/);
  t.match(text, /75\.0%/);
  t.match(text, /Left +50 partitions \(1\.00 GiB\) and 0 listing partitions/);
  t.match(text, /Rate +measuring +ETA measuring/);
  t.match(text, /limit 50\.0 MiB\/s/);
  t.match(text, /Unreachable 10\.0\.0\.2:6201/);
  t.match(text, /10\.0\.0\.1:6201\/d1 +yes +25\.0 GiB \/ 100 GiB \(25\.0%\) +20\.0 GiB +300 +50 \(1\.00 GiB\)/);
  t.match(text, /10\.0\.0\.1:6201 +n6201 +1\*/, 'a ring version other than the file is marked');
  t.notOk(text.includes('\u001b'), 'no terminal codes');
});

t.test('formatMovementLine() is one line with the rate and ETA once two samples exist', async (t) => {
  const p = computeProgress(snapshot(Date.UTC(2026, 0, 1), [node('a:1', { moved: 0, left: 10, leftBytes: 1000 })]), plan, { maxBytesPerSec: 0, paused: false },
    { bytesPerSec: 100, partitionsPerSec: 1 });
  const line = formatMovementLine(p);
  t.notMatch(line, /\n/);
  t.match(line, /^2026-01-01T00:00:00\.000Z, /);
  t.match(line, /rate 100 B\/s, eta 10s/);
  t.match(line, /running, limit unlimited/);
});

t.test('movementJson() carries toMove and done (0 and true when nothing is left)', async (t) => {
  const done = movementJson(computeProgress(snapshot(5, [node('a:1', { moved: 7, left: 0, leftBytes: 0 })]), undefined, { maxBytesPerSec: 0, paused: false }, undefined));
  t.same(done.toMove, { partitions: 0, bytes: 0, listingPartitions: 0 });
  t.equal(done.done, true);
  t.equal(done.rateBytesPerSec, null, 'measuring');
  t.equal(done.etaMs, 0);
  t.same(JSON.parse(JSON.stringify(done)), done, 'plain JSON');
});

t.test('barPayload() and textBar() describe paused and unreachable states', async (t) => {
  const p = computeProgress(snapshot(0, [node('a:1', { moved: 0, left: 1, leftBytes: 5, paused: true })]), plan, { maxBytesPerSec: 0, paused: false }, undefined);
  t.same(barPayload(p), { left: '1 parts 5 B 0 listing', speed: 'measuring', remaining: 'paused', state: ' paused' });
  t.equal(textBar(0.5, 10), '[#####-----]');
  t.equal(textBar(2, 4), '[####]');
});

/** Sources that replay snapshots; the last one repeats. */
function replay(snaps: MovementSnapshot[]): MovementSources & { calls: number } {
  const src = {
    calls: 0,
    sample: async () => snaps[Math.min(src.calls++, snaps.length - 1)]!,
    readPlan: async () => plan,
    readControl: async () => ({ maxBytesPerSec: 0, paused: false }),
  };
  return src;
}

class Capture extends Writable {
  text = '';
  isTTY: boolean;
  columns = 120;
  constructor(tty: boolean) {
    super();
    this.isTTY = tty;
  }
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
  cursorTo(): boolean { return true; }
  clearLine(): boolean { return true; }
  moveCursor(): boolean { return true; }
}

const moving = [
  snapshot(0, [node('a:1', { moved: 0, left: 2, leftBytes: 2000 })]),
  snapshot(1000, [node('a:1', { moved: 1000, left: 1, leftBytes: 1000 })]),
  snapshot(2000, [node('a:1', { moved: 2000, left: 0, leftBytes: 0 })]),
];

t.test('showMovement() in json watch mode prints one JSON line per sample and ends when done', async (t) => {
  const out = new Capture(false);
  const src = replay(moving);
  const p = await showMovement(src, { mode: 'json', watch: true, intervalMs: 1, out });
  const lines = out.text.trim().split('\n').map((l) => JSON.parse(l) as { done: boolean; toMove: { bytes: number }; rateBytesPerSec: number | null });
  t.same(lines.map((l) => l.toMove.bytes), [2000, 1000, 0]);
  t.same(lines.map((l) => l.done), [false, false, true]);
  t.equal(lines[0]!.rateBytesPerSec, null);
  t.equal(lines[1]!.rateBytesPerSec, 1000);
  t.equal(p.snapshot.done, true);
});

t.test('showMovement() in plain watch mode prints lines and stops on abort or maxSamples', async (t) => {
  const out = new Capture(false);
  const stuck = replay([moving[0]!]);
  await showMovement(stuck, { mode: 'plain', watch: true, intervalMs: 1, out, maxSamples: 3 });
  t.equal(out.text.trim().split('\n').length, 3);
  t.match(out.text, /eta measuring/);
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 50);
  const started = Date.now();
  await showMovement(replay([moving[0]!]), { mode: 'plain', watch: true, intervalMs: 60_000, out: new Capture(false), signal: ac.signal });
  t.ok(Date.now() - started < 5000, 'Ctrl-C ends a long wait at once');
});

t.test('showMovement() once prints the report (text) or one pretty JSON document', async (t) => {
  const text = new Capture(false);
  await showMovement(replay(moving), { mode: 'plain', watch: false, intervalMs: 1, out: text });
  t.match(text.text, /^Data movement: moving/);
  const json = new Capture(false);
  await showMovement(replay(moving), { mode: 'json', watch: false, intervalMs: 1, out: json });
  t.same((JSON.parse(json.text) as { toMove: unknown }).toMove, { partitions: 2, bytes: 2000, listingPartitions: 0 });
});

t.test('showMovement() on a terminal draws a progress bar and ends with the final report', async (t) => {
  const out = new Capture(true);
  await showMovement(replay(moving), { mode: 'tty', watch: true, intervalMs: 1, out });
  t.match(out.text, /Data movement: moving/);
  t.match(out.text, /100% \| left 0 parts 0 B 0 listing/);
  t.match(out.text, /Data movement: done/);
  t.equal(chooseMode(false, out), 'tty');
  t.equal(chooseMode(false, {}), 'plain');
  t.equal(chooseMode(true, out), 'json');
});

t.test('describeRate() says when the rate is the average since the plan started', async (t) => {
  const base = computeProgress(summariseMovement([], {}, 0), undefined, { maxBytesPerSec: 0, paused: false }, { bytesPerSec: 2048, partitionsPerSec: 1 });
  t.equal(describeRate(base), '2.00 KiB/s');
  t.equal(describeRate({ ...base, rateIsAverage: true }), '2.00 KiB/s (average since the plan started)');
  t.equal(movementJson({ ...base, rateIsAverage: true }).rateKind, 'average');
  t.equal(movementJson(base).rateKind, 'window');
});
