import t, { type Test } from 'tap';
import { join } from 'node:path';
import { silentLogger, StoreError } from '../../common/index.js';
import { Devices } from '../devices.js';
import { MetaDbs, type TargetValue } from '../meta-db.js';
import type { ListingUpdates } from '../listing-updates.js';
import { UpdaterWorker } from './updater.js';

const row = { name: 'o', size: 1, etag: 'e', contentType: 'x', timestamp: '1700000000.00000', deleted: false };
const target = (port: number): TargetValue => ({ ip: '127.0.0.1', port, device: 'd1', partition: 1 });

async function setup(t: Test, send: (target: TargetValue) => Promise<void>, nowMs = () => 1_000_000) {
  const dir = t.testdir({ d1: {} });
  const dbs = new MetaDbs(new Devices([{ name: 'd1', path: join(dir, 'd1') }]));
  t.teardown(() => dbs.close());
  const d = await dbs.get('d1');
  const sent: number[] = [];
  const fake = {
    async sendRows(tg: TargetValue) { await send(tg); sent.push(tg.port); },
    async sendAccountStats() { return true; },
  } as unknown as ListingUpdates;
  const worker = new UpdaterWorker({ dbs, updates: fake, log: silentLogger(), maxAgeMs: 60_000, batchSize: 10, nowMs });
  const add = async (key: string, port: number, firstMs = 999_000) =>
    d.journal.put(key, { target: target(port), account: 'a', container: 'c', rows: [row], firstMs });
  return { worker, add, sent };
}

t.test('UpdaterWorker.runOnce() delivers journalled updates and removes them', async (t) => {
  const { worker, add, sent } = await setup(t, async () => undefined);
  await add('1', 1);
  await add('2', 2);
  t.equal(await worker.runOnce(new AbortController().signal), 'idle');
  t.same(sent, [1, 2]);
  t.equal(await worker.journalDepth('d1'), 0);
  t.equal(worker.stats.sent, 2);
});

t.test('UpdaterWorker.runOnce() tries a failing target once per pass and keeps its entries', async (t) => {
  let calls = 0;
  const { worker, add, sent } = await setup(t, async (tg) => {
    if (tg.port === 9) { calls++; throw new StoreError('UNAVAILABLE', 'down'); }
  });
  await add('1', 9);
  await add('2', 9);
  await add('3', 3);
  await worker.runOnce(new AbortController().signal);
  t.equal(calls, 1, 'the second entry for the dead target is skipped');
  t.same(sent, [3]);
  t.equal(await worker.journalDepth('d1'), 2);
});

t.test('UpdaterWorker.runOnce() drops entries past the age limit and reports busy on a full batch', async (t) => {
  const { worker, add, sent } = await setup(t, async () => undefined);
  await add('0', 1, 1);
  for (let i = 1; i <= 12; i++) await add(`k${String(i).padStart(2, '0')}`, 2);
  t.equal(await worker.runOnce(new AbortController().signal), 'busy');
  t.equal(worker.stats.dropped, 1);
  t.equal(await worker.runOnce(new AbortController().signal), 'idle');
  t.equal(sent.length, 12);
  t.equal(await worker.journalDepth('d1'), 0);
});
