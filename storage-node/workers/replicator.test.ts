import t from 'tap';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { formatTimestamp } from '../../common/index.js';
import { startDurabilityNodes, putDirect, getDirect, type DurabilityTestNode } from '../testing/durability-nodes.js';
import type { Ring } from '../../ring/index.js';

const BASE_MS = Date.now() - 60_000;
const ts = (n: number) => formatTimestamp(BASE_MS + n);

/** A partition and its primaries / a non-primary node. */
function layout(ring: Ring, nodes: DurabilityTestNode[], partition: number) {
  const ids = new Set(ring.primaries(partition).map((d) => d.device));
  return { primaries: nodes.filter((n) => ids.has(n.device)), others: nodes.filter((n) => !ids.has(n.device)) };
}

async function partitionFiles(n: DurabilityTestNode, partition: number): Promise<string[]> {
  const out: string[] = [];
  const base = join(n.root, 'objects', String(partition));
  for (const s of await readdir(base).catch(() => [] as string[])) {
    for (const h of await readdir(join(base, s)).catch(() => [] as string[])) {
      for (const f of await readdir(join(base, s, h)).catch(() => [] as string[])) out.push(`${s}/${h}/${f}`);
    }
  }
  return out.sort();
}

t.test('ObjectReplicator pushes objects, tombstones and metadata the other primaries miss', async (t) => {
  const { nodes, ring } = await startDurabilityNodes(t, t.testdir(), 4);
  const part = 5;
  const { primaries: [a, b, c] } = layout(ring, nodes, part);
  for (let i = 0; i < 10; i++) await putDirect(a!, part, `o${i}`, `body-${i}`, ts(i));
  await putDirect(b!, part, 'o3', 'older', ts(0)); // older than a's: a's wins
  await b!.store.delete({ device: b!.device, partition: part, account: 'a', container: 'c', object: 'o4' }, ts(100)); // newer delete
  await a!.store.post({ device: a!.device, partition: part, account: 'a', container: 'c', object: 'o5' }, ts(200), { metadata: { 'x-object-meta-k': 'v' }, contentType: '', deleteAtMs: -1 });

  t.equal(await a!.durability.runFullPass('replicator'), 'idle');
  t.equal(await b!.durability.runFullPass('replicator'), 'idle');
  for (const n of [a!, b!, c!]) {
    t.equal(await getDirect(n, part, 'o0'), 'body-0', `${n.device} has o0`);
    t.equal(await getDirect(n, part, 'o3'), 'body-3', `${n.device} has the newest o3`);
    t.equal(await getDirect(n, part, 'o4'), undefined, `${n.device} has o4 deleted`);
    const rec = await n.store.head({ device: n.device, partition: part, account: 'a', container: 'c', object: 'o5' });
    t.equal(rec.metadata['x-object-meta-k'], 'v', `${n.device} has the POST of o5`);
  }
  const files = await Promise.all([a!, b!, c!].map((n) => partitionFiles(n, part)));
  t.same(files[1], files[0], 'b holds the same files as a');
  t.same(files[2], files[0], 'c holds the same files as a');
  t.ok(a!.durability.replicator.stats.objectsSynced >= 10, 'objects counted');
  t.ok(a!.durability.replicator.stats.bytesMoved > 0, 'bytes counted');

  await a!.durability.runFullPass('replicator'); // rehashes what b's pass pushed to a
  const before = a!.durability.replicator.stats.objectsSynced;
  const misses = a!.durability.cache.stats.misses;
  await a!.durability.runFullPass('replicator');
  t.equal(a!.durability.replicator.stats.objectsSynced, before, 'an unchanged partition pushes nothing');
  t.equal(a!.durability.cache.stats.misses, misses, 'and its suffix hashes come from the cache');
});

t.test('ObjectReplicator moves handoff data to every primary, then removes it', async (t) => {
  const { nodes, ring } = await startDurabilityNodes(t, t.testdir(), 4);
  const part = 9;
  const { primaries, others: [h] } = layout(ring, nodes, part);
  await putDirect(h!, part, 'x', 'handoff body', ts(1));
  await h!.store.delete({ device: h!.device, partition: part, account: 'a', container: 'c', object: 'gone' }, ts(2));
  await h!.durability.runFullPass('replicator');
  for (const p of primaries) {
    t.equal(await getDirect(p, part, 'x'), 'handoff body', `${p.device} got the object`);
    t.equal((await partitionFiles(p, part)).filter((f) => f.endsWith('.ts')).length, 1, `${p.device} got the tombstone`);
  }
  t.same(await readdir(join(h!.root, 'objects')), [], 'the handoff partition is gone');
  t.equal(h!.durability.replicator.stats.handoffsLeft, 0);
});

t.test('ObjectReplicator keeps handoff data while a primary is down (never the last copy)', async (t) => {
  const { nodes, ring } = await startDurabilityNodes(t, t.testdir(), 4);
  const part = 3;
  const { primaries, others: [h] } = layout(ring, nodes, part);
  await putDirect(h!, part, 'x', 'only copy', ts(1));
  primaries[2]!.down();
  await h!.durability.runFullPass('replicator');
  t.equal(await getDirect(h!, part, 'x'), 'only copy', 'kept on the handoff');
  t.equal(await getDirect(primaries[0]!, part, 'x'), 'only copy', 'reachable primaries got it');
  t.equal(h!.durability.replicator.stats.handoffsLeft, 1);
  t.ok(h!.durability.replicator.stats.failures > 0, 'the failed peer is counted');
});

t.test('ObjectReplicator reclaims tombstones past the reclaim age only', async (t) => {
  const { nodes, ring } = await startDurabilityNodes(t, t.testdir(), 4, { reclaimAgeMs: 60_000, reclaimIntervalMs: 0 });
  const part = 2;
  const { primaries: [a] } = layout(ring, nodes, part);
  const old = formatTimestamp(Date.now() - 3_600_000);
  const recent = formatTimestamp(Date.now() - 1000);
  await a!.store.delete({ device: a!.device, partition: part, account: 'a', container: 'c', object: 'old' }, old);
  await a!.store.delete({ device: a!.device, partition: part, account: 'a', container: 'c', object: 'new' }, recent);
  await a!.durability.runFullPass('replicator');
  const files = await partitionFiles(a!, part);
  t.equal(files.length, 1, 'one tombstone left');
  t.ok(files[0]!.endsWith(`${recent}.ts`), 'the recent one');
});
