import t from 'tap';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { formatTimestamp } from '../../common/index.js';
import type { Ring } from '../../ring/index.js';
import { startDurabilityNodes, putDirect, getDirect, type DurabilityTestNode } from '../testing/durability-nodes.js';
import { walkPartition } from '../partition-usage.js';
import { TestGate } from './movement-gate.testing.js';

const BASE_MS = Date.now() - 60_000;
const ts = (n: number) => formatTimestamp(BASE_MS + n);

/** Node `h`, a partition where it is a handoff and a lower one where it is a primary. */
function pick(ring: Ring, nodes: DurabilityTestNode[]) {
  const h = nodes[0]!;
  const holds = (p: number) => ring.primaries(p).some((d) => d.device === h.device);
  const handoff = [...Array(ring.partCount).keys()].reverse().find((p) => !holds(p))!;
  const primary = [...Array(ring.partCount).keys()].find((p) => holds(p) && p < handoff)!;
  const nodesOf = (p: number) => nodes.filter((n) => ring.primaries(p).some((d) => d.device === n.device));
  return { h, handoff, primary, handoffPrimaries: nodesOf(handoff), peersOfPrimary: nodesOf(primary).filter((n) => n !== h) };
}

async function setup(t: Parameters<typeof startDurabilityNodes>[0] & { testdir(): string }, body = 'moving body') {
  const gates = [0, 1, 2, 3].map(() => new TestGate());
  const { nodes, ring } = await startDurabilityNodes(t, t.testdir(), 4, { replicatorPartitionsPerRun: 1 }, (i) => gates[i]);
  const p = pick(ring, nodes);
  await putDirect(p.h, p.handoff, 'x', body, ts(1));
  await putDirect(p.h, p.primary, 'y', 'repair body', ts(2));
  return { ...p, gate: gates[0]!, nodes, ring };
}

t.test('ObjectReplicator visits handoff partitions first', async (t) => {
  const { h, handoff, primary, handoffPrimaries, peersOfPrimary } = await setup(t);
  t.ok(primary < handoff, `the primary partition ${primary} sorts before the handoff ${handoff}`);
  t.equal(await h.durability.replicator.runOnce(new AbortController().signal), 'busy', 'one partition per run');
  for (const n of handoffPrimaries) t.equal(await getDirect(n, handoff, 'x'), 'moving body', `${n.device} got the handoff data first`);
  for (const n of peersOfPrimary) t.equal(await getDirect(n, primary, 'y'), undefined, `${n.device} not yet synced`);
});

t.test('ObjectReplicator: paused, handoffs stay; primaries still replicate; resumed, they move and count', async (t) => {
  const { h, handoff, primary, handoffPrimaries, peersOfPrimary, gate } = await setup(t);
  const usage = await walkPartition(h.root, handoff);
  gate.isPaused = true;
  await h.durability.runFullPass('replicator');
  for (const n of handoffPrimaries) t.equal(await getDirect(n, handoff, 'x'), undefined, `${n.device} got nothing while paused`);
  t.equal(await getDirect(h, handoff, 'x'), 'moving body', 'the handoff keeps its data');
  t.equal(h.durability.replicator.stats.handoffsLeft, 1, 'counted as still to move');
  t.equal(h.durability.replicator.idleDelayMs(), undefined, 'paused: no quick retry of the pass');
  gate.isPaused = false;
  t.equal(h.durability.replicator.idleDelayMs(), 5_000, 'handoffs left and running: the next pass comes soon');
  gate.isPaused = true;
  for (const n of peersOfPrimary) t.equal(await getDirect(n, primary, 'y'), 'repair body', `${n.device}: replication between primaries goes on`);
  t.same(gate.counters, { movedBytes: 0, movedPartitions: 0, movedListingPartitions: 0, yields: 0 }, 'a repair is not a move');

  // Handoffs are left: the background's next passes visit only them, until the full-pass spacing.
  await putDirect(h, primary, 'z', 'later repair', ts(3));
  const ac = new AbortController();
  for (let i = 0; i < 100 && (await h.durability.replicator.runOnce(ac.signal)) === 'busy'; i++);
  for (const n of peersOfPrimary) t.equal(await getDirect(n, primary, 'z'), undefined, `${n.device}: a handoffs-only pass leaves primaries alone`);
  await h.durability.runFullPass('replicator');
  for (const n of peersOfPrimary) t.equal(await getDirect(n, primary, 'z'), 'later repair', `${n.device}: a full pass on request visits the primaries`);

  gate.isPaused = false;
  await h.durability.runFullPass('replicator');
  for (const n of handoffPrimaries) t.equal(await getDirect(n, handoff, 'x'), 'moving body', `${n.device} got it once resumed`);
  t.same((await readdir(join(h.root, 'objects'))).map(Number), [primary], 'the handoff partition was removed');
  t.equal(h.durability.replicator.idleDelayMs(), undefined, 'nothing left: the normal interval');
  t.equal(gate.counters.movedPartitions, 1);
  t.equal(gate.counters.movedBytes, usage.bytes * handoffPrimaries.length, 'bytes each primary newly stored');
  t.equal(gate.counters.yields, usage.files * handoffPrimaries.length, 'one yield to clients per file moved');
});

t.test('ObjectReplicator: a move to a peer that was not a primary before is paused and counted too', async (t) => {
  const { h, handoff, primary, peersOfPrimary, handoffPrimaries, gate } = await setup(t);
  const [fresh, old] = peersOfPrimary;
  const handoffBytes = (await walkPartition(h.root, handoff)).bytes;
  gate.newDevices.add(fresh!.device);
  gate.isPaused = true;
  await h.durability.runFullPass('replicator');
  t.equal(await getDirect(old!, primary, 'y'), 'repair body', 'an old primary is repaired while paused');
  t.equal(await getDirect(fresh!, primary, 'y'), undefined, 'a new primary waits for the move');
  gate.isPaused = false;
  await h.durability.runFullPass('replicator');
  t.equal(await getDirect(fresh!, primary, 'y'), 'repair body', 'moved once resumed');
  t.equal(gate.counters.movedBytes, (await walkPartition(h.root, primary)).bytes + handoffBytes * handoffPrimaries.length,
    'and counted as moved bytes (with the handoff partition moved too)');
});

t.test('ObjectReplicator: the movement rate limit applies to moves only and changes while running', async (t) => {
  const { h, handoff, primary, handoffPrimaries, peersOfPrimary, gate } = await setup(t, 'z'.repeat(4000));
  gate.throttle.setRate(2000); // 3 x 4000 bytes would take 5 s
  const start = performance.now();
  let finished = false;
  const pass = h.durability.runFullPass('replicator').then(() => { finished = true; });
  await new Promise((r) => setTimeout(r, 400));
  t.notOk(finished, 'held back by the limit');
  gate.throttle.setRate(0);
  await pass;
  const ms = performance.now() - start;
  t.ok(ms < 3500, `raising the limit while running lets it finish (${Math.round(ms)} ms)`);
  for (const n of handoffPrimaries) t.equal((await getDirect(n, handoff, 'x'))?.length, 4000, `${n.device} got it whole`);

  // A repair between primaries is not held back by the movement limit.
  await putDirect(h, primary, 'r', 'q'.repeat(4000), ts(5));
  gate.throttle.setRate(1);
  const s2 = performance.now();
  await h.durability.runFullPass('replicator');
  t.ok(performance.now() - s2 < 2000, 'a repair ignores the movement limit');
  for (const n of peersOfPrimary) t.equal((await getDirect(n, primary, 'r'))?.length, 4000, `${n.device} repaired`);
});
