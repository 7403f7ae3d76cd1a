import tap, { type Test } from 'tap';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { formatTimestamp } from '../../common/index.js';
import { startDurabilityNodes, putDirect, getDirect, type DurabilityTestNode } from '../testing/durability-nodes.js';

const BASE_MS = Date.now() - 60_000;
const ts = (n: number) => formatTimestamp(BASE_MS + n);

/** A background-style pass: runOnce() until the pass ends, without asking for a full compare. */
async function pass(n: DurabilityTestNode): Promise<void> {
  const signal = AbortSignal.timeout(60_000);
  for (let i = 0; i < 100 && (await n.durability.replicator.runOnce(signal)) === 'busy'; i++);
}

/** Whether `n` trusts that each of `peers` holds what it holds in `part`. */
const agrees = (n: DurabilityTestNode, part: number, peers: DurabilityTestNode[]) =>
  peers.every((p) => n.durability.replicator.agreements.holds(n.device, part, `127.0.0.1:${p.port}/${p.device}`));

type Trio = [DurabilityTestNode, DurabilityTestNode, DurabilityTestNode];

/** Four nodes whose replicators trust agreements for `ttlMs`, and the three primaries of `part`, each holding `object`. */
async function primariesHolding(t: Test, part: number, object: string, ttlMs: number): Promise<Trio> {
  const { nodes, ring } = await startDurabilityNodes(t, t.testdir(), 4, { replicatorAgreementTtlMs: ttlMs });
  const ids = new Set(ring.primaries(part).map((d) => d.device));
  const trio = nodes.filter((n) => ids.has(n.device)) as Trio;
  for (const n of trio) await putDirect(n, part, object, `body of ${object}`, ts(1));
  return trio;
}

/** Lookups a node answered from its suffix hash cache (each peer compare costs one or more). */
const lookups = (n: DurabilityTestNode) => n.durability.cache.stats.hits + n.durability.cache.stats.misses;

tap.test('ObjectReplicator skips partitions it found identical on its peers until one side changes', async (t) => {
  const part = 5;
  const [a, b, c] = await primariesHolding(t, part, 'same', 600_000);

  await pass(a);
  t.ok(agrees(a, part, [b, c]), 'the partition agreed with both peers');
  const before = [lookups(b), lookups(c)];
  await pass(a);
  t.same([lookups(b), lookups(c)], before, 'the next pass asked no peer');

  await putDirect(a, part, 'new', 'only on a', ts(2));
  await pass(a);
  t.equal(await getDirect(b, part, 'new'), 'only on a', 'a change here compares again and pushes');
  t.equal(await getDirect(c, part, 'new'), 'only on a');
});

tap.test('ObjectReplicator compares again when a peer lost files and asks about the partition', async (t) => {
  const part = 9;
  const [a, b, c] = await primariesHolding(t, part, 'obj', 600_000);
  for (const n of [a, b, c]) await pass(n);
  t.ok(agrees(a, part, [b, c]), 'a agreed');

  // b loses the object's folder (a disk repaired, a quarantine) and its cache learns of it.
  const suffixes = await readdir(join(b.root, 'objects', String(part)));
  await rm(join(b.root, 'objects', String(part)), { recursive: true });
  for (const s of suffixes) b.durability.cache.invalidate(b.device, part, s);
  t.equal(await getDirect(b, part, 'obj'), undefined, 'b lost it');

  await pass(b); // b has nothing to push, but its question tells a and c that b differs
  t.notOk(agrees(a, part, [b]), "a forgot its agreement on b's question");
  await pass(a);
  t.equal(await getDirect(b, part, 'obj'), 'body of obj', "a's next pass restored b's copy");
});

tap.test('ObjectReplicator with agreementTtlMs 0 compares every pass', async (t) => {
  const part = 3;
  const [a, b] = await primariesHolding(t, part, 'x', 0);
  await pass(a);
  const before = lookups(b);
  await pass(a);
  t.ok(lookups(b) > before, 'b was asked again');
  t.equal(a.durability.replicator.agreements.size, 0);
});

tap.test('ObjectReplicator asks about empty primary partitions only on mounted devices', async (t) => {
  const part = 6;
  const [a, b] = await primariesHolding(t, part, 'kept', 600_000);
  await rm(b.root, { recursive: true }); // b's device is gone (unmounted disk)
  await new Promise((r) => setTimeout(r, 1_100)); // past the device's cached mount check
  await pass(b);
  t.equal(b.durability.replicator.stats.failures, 0, 'no partition of the missing device was visited');
  await pass(a);
  t.equal(await getDirect(a, part, 'kept'), 'body of kept', 'the other replicas carry on');
});
