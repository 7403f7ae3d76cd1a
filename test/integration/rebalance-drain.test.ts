/**
 * Acceptance (issue 6): `strata cluster drain n4` under a steady reader and writer: no request
 * fails, the node ends with no object data, dispersion stays 100% (sentinels written before the
 * drain), every object is on exactly its primaries; removing a node that still holds data is
 * refused, removing the drained node is allowed only once it is empty.
 */
import t from 'tap';
import { startAllInOne } from './all-in-one.js';
import {
  SwiftUser, strata, fill, steadyLoad, unreadable, deviceDirs, diskView, loadObjectRing, misplaced, until,
} from './rebalance-helpers.js';

t.setTimeout(1_200_000);
const OBJECTS = Math.min(2000, Number(process.env.STRATA_REBALANCE_OBJECTS ?? 1200));
const PART_POWER = Number(process.env.STRATA_REBALANCE_PART_POWER ?? 7);

t.test('draining a node under load empties it with no failed request', async (t) => {
  const aio = await startAllInOne(t, { timeoutMs: 120_000, partPower: PART_POWER });
  const user = await SwiftUser.login(aio);
  t.equal(await user.put('drain'), 201);
  const acked = await fill(user, 'drain', 'o', OBJECTS, 700);
  t.equal(acked.size, OBJECTS);
  const dispersionBefore = await strata(aio, ['cluster', 'dispersion', '--json', '--coverage', '20']);
  t.equal(dispersionBefore.code, 0, `dispersion sentinels written: ${dispersionBefore.stderr}`);

  const refused = await strata(aio, ['cluster', 'remove-node', 'n4', '--yes']);
  t.not(refused.code, 0, 'removing a node that holds data is refused');
  t.match(refused.stdout + refused.stderr, /drain/i, 'and the refusal says to drain it first');

  const load = steadyLoad(user, 'drain', acked, { prefix: 'w', size: 700 });
  t.teardown(() => load.stop()); // a failed assertion above must not leave the load running
  const drained = await strata(aio, ['cluster', 'drain', 'n4', '--yes']);
  t.equal(drained.code, 0, `drain succeeds: ${drained.stdout}${drained.stderr}`);
  await until(async () => {
    const s = await strata(aio, ['cluster', 'status', '--json']);
    return s.code === 0 && (JSON.parse(s.stdout) as { done: boolean }).done ? true : undefined;
  }, 600_000, 2000);
  const report = await load.stop();
  t.ok(report.reads > 0 && report.writes > 0, `the reader (${report.reads}) and writer (${report.writes}) ran throughout`);
  t.same(report.readFailures.slice(0, 10), [], 'no read failed');
  t.same(report.writeFailures.slice(0, 10), [], 'no write failed');

  const devices = await deviceDirs(aio.dataDir);
  const view = await diskView(devices);
  const n4 = devices.find((d) => d.path.includes('/nodes/n4/'))!;
  t.same([...view.partitions].filter((p) => p.startsWith(`${n4.key}/`)), [], 'the drained node holds no object data');
  t.same(misplaced(view, await loadObjectRing(aio.dataDir)).slice(0, 10), [], 'every object is on exactly its primaries');

  const dispersion = await strata(aio, ['cluster', 'dispersion', '--json', '--coverage', '20']);
  const d = JSON.parse(dispersion.stdout) as { percentFull: number; objects: number; populated: number };
  t.equal(d.percentFull, 100, `dispersion 100% over ${d.objects} sentinels written before the drain`);
  t.same((await unreadable(user, 'drain', new Map([...acked, ...report.written]))).slice(0, 10), [], 'every acknowledged object reads back');
});
