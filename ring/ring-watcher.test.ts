import t from 'tap';
import { writeFile, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { RingWatcher } from './ring-watcher.js';
import { RingBuilder } from './builder.js';
import { addLayout } from './test-layouts.js';

t.test('RingWatcher reloads a changed ring and keeps the old one when the new file is corrupt', async (t) => {
  const dir = t.testdir({});
  const file = join(dir, 'object.ring.gz');
  const b = RingBuilder.create({ partPower: 6, replicas: 2, minPartHours: 0 });
  addLayout(b, { regions: 1, zones: 2, servers: 1, disks: 2 });
  b.rebalance({ seed: 1 });
  await b.writeRing(file);
  const w = new RingWatcher(file, { intervalMs: 20 });
  t.teardown(() => w.close());
  const first = await w.start();
  t.equal(first.version, 1);
  t.equal(w.ring, first);
  const reloads: number[] = [];
  w.onReload((r) => reloads.push(r.version));
  t.equal(await w.check(), false, 'no change, no reload');
  addLayout(b, { regions: 1, zones: 1, servers: 1, disks: 1 }, 5);
  b.rebalance({ seed: 2 });
  await b.writeRing(file);
  const deadline = Date.now() + 5000;
  while (reloads.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  t.same(reloads, [2], 'the timer picked up version 2');
  t.equal(w.ring.version, 2);
  await writeFile(file, 'garbage');
  await utimes(file, new Date(), new Date(Date.now() + 5000));
  t.equal(await w.check(), false, 'corrupt file not loaded');
  t.equal(w.ring.version, 2, 'old ring kept');
});

t.test('RingWatcher.start() fails with NOT_FOUND for a missing file', async (t) => {
  const w = new RingWatcher(join(t.testdir({}), 'none.ring.gz'));
  t.throws(() => w.ring, { code: 'PRECONDITION_FAILED' });
  await t.rejects(w.start(), { code: 'NOT_FOUND' });
  w.close();
});
