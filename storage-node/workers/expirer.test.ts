import t from 'tap';
import { Readable } from 'node:stream';
import { readdir } from 'node:fs/promises';
import { formatTimestamp, ManualClock, silentLogger } from '../../common/index.js';
import type { Devices } from '../devices.js';
import { ObjectExpirer } from './expirer.js';
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

t.test('ObjectExpirer remembers delete-at times of an unchanged partition and walks it again only after a change', async (t) => {
  const { nodes } = await startDurabilityNodes(t, t.testdir(), 3, { durabilityWorkers: false });
  const n = nodes[0]!;
  await put(n, 'soon', NOW + 60_000, NOW - 60_000);
  await put(n, 'forever', 0, NOW - 60_000);
  const clock = new ManualClock(NOW);
  let opened = 0;
  const devices = {
    list: [{ name: n.device }],
    root: async () => { opened++; return n.root; },
  } as unknown as Devices;
  const delivered: string[] = [];
  const expirer = new ObjectExpirer({
    devices, cache: n.durability.cache, containerRing: () => undefined, filesPerSec: 0, log: silentLogger(),
    updates: { deliverRows: async (_d, _t, _a, _c, rows) => { delivered.push(rows.map((r) => r.name).join()); } },
    clock,
  });
  const fullPass = async () => { while ((await expirer.runOnce(new AbortController().signal)) === 'busy'); };
  await fullPass();
  t.equal(expirer.stats.objectsSynced, 0, 'nothing due yet');
  t.equal(expirer.filesRead, 2, 'the first pass reads every object');
  await fullPass();
  t.equal(expirer.filesRead, 2, 'a pass over an unchanged partition with nothing due reads no file');
  const head = (object: string) => n.store.head({ device: n.device, partition: 4, account: 'acc', container: 'box', object });
  t.equal((await head('soon')).size, 4);

  // No change in the partition: the next pass expires the remembered object once it is due.
  clock.advance(120_000);
  await fullPass();
  t.equal(expirer.stats.objectsSynced, 1, 'the remembered object expired without a new walk');
  t.equal(expirer.filesRead, 3, 'only the due object was read');
  await t.rejects(head('soon'), { code: 'NOT_FOUND' });

  // A write in the partition (here a new object with a delete-at) is seen by the next pass.
  await put(n, 'later', NOW + 180_000, NOW - 30_000);
  clock.advance(120_000);
  await fullPass();
  t.equal(expirer.stats.objectsSynced, 2, 'an object written after the walk expires too');
  t.ok(expirer.filesRead >= 5, 'the changed partition was walked again');
  await t.rejects(head('later'), { code: 'NOT_FOUND' });
  t.equal((await head('forever')).size, 4, 'an object without delete-at stays');
  t.ok(opened > 0);
});
