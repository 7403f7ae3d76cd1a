import t from 'tap';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatTimestamp } from '../../common/index.js';
import { startDurabilityNodes, putDirect, getDirect } from '../testing/durability-nodes.js';
import { quarantineDir } from '../quarantine.js';
import { hashDirOf } from '../replica-files.js';

const BASE_MS = Date.now() - 60_000;
const ts = (n: number) => formatTimestamp(BASE_MS + n);

t.test('ObjectAuditor quarantines a flipped byte and the replicator restores the replica', async (t) => {
  const { nodes, ring } = await startDurabilityNodes(t, t.testdir(), 3);
  const part = 7;
  const ids = ring.primaries(part).map((d) => d.device);
  const [a, b] = ids.map((id) => nodes.find((n) => n.device === id)!);
  for (const n of [a!, b!]) {
    await putDirect(n, part, 'good', 'stays good', ts(1));
    await putDirect(n, part, 'bad', 'x'.repeat(100_000), ts(2));
  }
  const { hash } = a!.store.locate(a!.root, { device: a!.device, partition: part, account: 'a', container: 'c', object: 'bad' });
  const file = join(hashDirOf(a!.root, part, hash), `${ts(2)}.data`);
  const bytes = await readFile(file);
  bytes[500] = bytes[500]! ^ 0xff;
  await writeFile(file, bytes);

  t.equal(await a!.durability.runFullPass('auditor'), 'idle');
  t.equal(a!.durability.auditor.stats.quarantined, 1, 'one file quarantined');
  t.equal(a!.durability.auditor.stats.objectsSynced, 2, 'both objects checked');
  t.same(await readdir(join(quarantineDir(a!.root), hash)).then((f) => f.length), 1, 'kept for the operator');
  t.equal(await getDirect(a!, part, 'bad'), undefined, 'never served again');
  t.equal((await a!.durability.status()).quarantinedFiles, 1, 'status counts it');

  await b!.durability.runFullPass('replicator');
  t.equal(await getDirect(a!, part, 'bad'), 'x'.repeat(100_000), 'restored from a good replica');
  await a!.durability.runFullPass('auditor');
  t.equal(a!.durability.auditor.stats.quarantined, 1, 'the restored copy is sound');
});

t.test('ObjectAuditor quarantines a .data with a damaged footer', async (t) => {
  const { nodes } = await startDurabilityNodes(t, t.testdir(), 3);
  const n = nodes[0]!;
  await putDirect(n, 1, 'o', 'hello', ts(1));
  const { hash } = n.store.locate(n.root, { device: n.device, partition: 1, account: 'a', container: 'c', object: 'o' });
  const file = join(hashDirOf(n.root, 1, hash), `${ts(1)}.data`);
  const bytes = await readFile(file);
  await writeFile(file, bytes.subarray(0, bytes.length - 4));
  await n.durability.runFullPass('auditor');
  t.equal(n.durability.auditor.stats.quarantined, 1);
  t.same(await readdir(hashDirOf(n.root, 1, hash)), [], 'the folder no longer holds it');
});

t.test('Durability.runFullPass() refuses an unknown worker', async (t) => {
  const { nodes } = await startDurabilityNodes(t, t.testdir(), 3);
  await t.rejects(nodes[0]!.durability.runFullPass('nope'), { code: 'INVALID_ARGUMENT' });
});
