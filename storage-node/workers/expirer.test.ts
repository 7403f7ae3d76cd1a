import t from 'tap';
import { Readable } from 'node:stream';
import { readdir } from 'node:fs/promises';
import { formatTimestamp } from '../../common/index.js';
import { startDurabilityNodes, type DurabilityTestNode } from '../testing/durability-nodes.js';
import { hashDirOf } from '../replica-files.js';

const NOW = Date.now();

async function put(n: DurabilityTestNode, object: string, deleteAtMs: number, tsMs: number): Promise<void> {
  const key = { device: n.device, partition: 4, account: 'acc', container: 'box', object };
  const header = { contentType: 't', metadata: {}, deleteAtMs, contentLength: -1, ifNoneMatchAny: false };
  await (await n.store.stage(key, header, Readable.from([Buffer.from('body')]))).commit({ timestamp: formatTimestamp(tsMs) });
}

t.test('ObjectExpirer tombstones expired objects at their delete-at time and drops their listing rows', async (t) => {
  const { nodes } = await startDurabilityNodes(t, t.testdir(), 3);
  const n = nodes[0]!;
  const deleteAt = NOW - 5_000;
  await put(n, 'dir/expired', deleteAt, NOW - 60_000);
  await put(n, 'later', NOW + 3_600_000, NOW - 60_000);
  await put(n, 'forever', 0, NOW - 60_000);
  t.equal(await n.durability.runFullPass('expirer'), 'idle');
  t.equal(n.durability.expirer.stats.objectsSynced, 1, 'one object expired');
  const { hash } = n.store.locate(n.root, { device: n.device, partition: 4, account: 'acc', container: 'box', object: 'dir/expired' });
  t.same(await readdir(hashDirOf(n.root, 4, hash)), [`${formatTimestamp(deleteAt)}.ts`], 'a tombstone at the delete-at time replaced the data');
  const head = (object: string) => n.store.head({ device: n.device, partition: 4, account: 'acc', container: 'box', object });
  t.equal((await head('later')).size, 4, 'an object expiring later stays');
  t.equal((await head('forever')).size, 4, 'an object without delete-at stays');
  t.equal(n.delivered.length, 3, 'a deleted row went to each container replica');
  t.ok(n.delivered.every((d) => d.endsWith('acc/box/dir/expired deleted')), n.delivered.join('; '));

  await n.durability.runFullPass('expirer');
  t.equal(n.durability.expirer.stats.objectsSynced, 1, 'a second pass finds nothing more');
});
