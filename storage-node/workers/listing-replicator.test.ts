import t from 'tap';
import { formatTimestamp } from '../../common/index.js';
import { startDurabilityNodes, type DurabilityTestNode } from '../testing/durability-nodes.js';
import { TestGate } from './movement-gate.testing.js';

const BASE_MS = Date.now() - 60_000;
const ts = (n: number) => formatTimestamp(BASE_MS + n);
const row = (name: string, n: number, deleted = false) => ({ name, size: deleted ? 0 : 10, etag: 'e', contentType: 't', timestamp: ts(n), deleted });

async function names(n: DurabilityTestNode, partition: number, container = 'c'): Promise<string[]> {
  try {
    const list = await n.containers.list({ device: n.device, partition, account: 'a', container }, { prefix: '', delimiter: '', marker: '', endMarker: '', limit: 1000, reverse: false });
    return list.map((e) => ('object' in e ? e.object.name : e.subdir));
  } catch (err) {
    return [`error ${(err as { code?: string }).code}`];
  }
}

t.test('ListingReplicator makes container listings converge newest-wins', async (t) => {
  const { nodes, ring } = await startDurabilityNodes(t, t.testdir(), 4);
  const part = 6;
  const ids = ring.primaries(part).map((d) => d.device);
  const [a, b, c] = ids.map((id) => nodes.find((n) => n.device === id)!);
  const ref = (n: DurabilityTestNode) => ({ device: n.device, partition: part, account: 'a', container: 'c' });
  await a!.containers.put(ref(a!), ts(0), { 'x-container-meta-k': 'v' }, []);
  await a!.containers.updateRows(ref(a!), [row('o1', 1), row('o2', 2), row('o3', 3)]);
  await b!.containers.put(ref(b!), ts(0), {}, []);
  await b!.containers.updateRows(ref(b!), [row('o2', 10, true), row('o4', 4)]);

  await a!.durability.runFullPass('listing-replicator');
  await b!.durability.runFullPass('listing-replicator');
  for (const n of [a!, b!, c!]) {
    t.same(await names(n, part), ['o1', 'o3', 'o4'], `${n.device} lists the merged rows`);
    const info = await n.containers.head(ref(n));
    t.equal(info.objectCount, 3, `${n.device} counts them`);
    t.equal(info.metadata['x-container-meta-k'], 'v', `${n.device} has the metadata`);
  }
  const synced = a!.durability.listings.stats.objectsSynced;
  await a!.durability.runFullPass('listing-replicator');
  t.equal(a!.durability.listings.stats.objectsSynced, synced, 'equal digests send nothing');
});

t.test('ListingReplicator hands a handoff container to the primaries, then drops it', async (t) => {
  const { nodes, ring } = await startDurabilityNodes(t, t.testdir(), 4);
  const part = 11;
  const ids = new Set(ring.primaries(part).map((d) => d.device));
  const h = nodes.find((n) => !ids.has(n.device))!;
  const ref = { device: h.device, partition: part, account: 'a', container: 'c' };
  await h.containers.put(ref, ts(0), {}, []);
  await h.containers.updateRows(ref, [row('x', 1)]);
  await h.accounts.updateRows({ device: h.device, partition: part, account: 'a' }, [{ name: 'c', objectCount: 1, bytesUsed: 10, putTimestamp: ts(0), deleteTimestamp: '', statsTimestamp: ts(1), deleted: false }]);
  await h.durability.runFullPass('listing-replicator');
  for (const n of nodes.filter((x) => ids.has(x.device))) {
    t.same(await names(n, part), ['x'], `${n.device} got the listing`);
    t.equal((await n.accounts.head({ device: n.device, partition: part, account: 'a' })).containerCount, 1, `${n.device} got the account`);
  }
  t.same(await names(h, part), ['error NOT_FOUND'], 'the handoff copy is gone');
  t.equal(h.durability.listings.stats.handoffsLeft, 0);
});

t.test('ListingReplicator: paused, a handoff listing stays; resumed, it moves and is counted', async (t) => {
  const gates = [0, 1, 2, 3].map(() => new TestGate());
  const { nodes, ring } = await startDurabilityNodes(t, t.testdir(), 4, {}, (i) => gates[i]);
  const part = 11;
  const ids = new Set(ring.primaries(part).map((d) => d.device));
  const i = nodes.findIndex((n) => !ids.has(n.device));
  const h = nodes[i]!;
  const gate = gates[i]!;
  const ref = { device: h.device, partition: part, account: 'a', container: 'c' };
  await h.containers.put(ref, ts(0), {}, []);
  await h.containers.updateRows(ref, [row('x', 1)]);
  gate.isPaused = true;
  await h.durability.runFullPass('listing-replicator');
  for (const n of nodes.filter((x) => ids.has(x.device))) t.same(await names(n, part), ['error NOT_FOUND'], `${n.device} got nothing while paused`);
  t.same(await names(h, part), ['x'], 'the handoff keeps it');
  t.equal(h.durability.listings.stats.handoffsLeft, 1, 'counted as still to move');
  gate.isPaused = false;
  await h.durability.runFullPass('listing-replicator');
  for (const n of nodes.filter((x) => ids.has(x.device))) t.same(await names(n, part), ['x'], `${n.device} got it once resumed`);
  t.same(await names(h, part), ['error NOT_FOUND'], 'then dropped from the handoff');
  t.equal(gate.counters.movedListingPartitions, 1);
  t.ok(gate.counters.yields >= 3, 'yields to clients before each listing sent');
});
