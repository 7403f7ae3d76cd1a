/**
 * Acceptance (issue 6): a storage node killed in the middle of a rebalance. Movement is slowed
 * with `strata cluster throttle`, paused and resumed (nothing moves while paused), a node that
 * still has data to hand over is SIGKILLed (the all-in-one restarts it), and the move finishes
 * after it returns with nothing lost and everything on its new primaries.
 */
import t from 'tap';
import { startAllInOne } from './all-in-one.js';
import {
  SwiftUser, strata, fill, unreadable, deviceDirs, diskView, loadObjectRing, misplaced, until,
} from './rebalance-helpers.js';

t.setTimeout(1_200_000);
const OBJECTS = Math.min(2000, Number(process.env.STRATA_REBALANCE_OBJECTS ?? 1200));
const PART_POWER = Number(process.env.STRATA_REBALANCE_PART_POWER ?? 7);

interface StatusJson {
  done: boolean;
  toMove: { partitions: number; bytes: number };
  nodes: Array<{ address: string; nodeId: string; devices: Array<{ handoffPartitions: number }> }>;
}

async function status(aio: Parameters<typeof strata>[0]): Promise<StatusJson | undefined> {
  const s = await strata(aio, ['cluster', 'status', '--json']);
  return s.code === 0 ? JSON.parse(s.stdout) as StatusJson : undefined;
}

t.test('a node killed mid-rebalance: the move finishes after it returns, nothing lost', async (t) => {
  const aio = await startAllInOne(t, { timeoutMs: 120_000, partPower: PART_POWER });
  const user = await SwiftUser.login(aio);
  t.equal(await user.put('kill'), 201);
  const acked = await fill(user, 'kill', 'o', OBJECTS, 2048);
  t.equal(acked.size, OBJECTS);

  t.equal((await strata(aio, ['cluster', 'throttle', '--rate', '64KiB'])).code, 0, 'throttle set');
  t.equal((await strata(aio, ['cluster', 'pause'])).code, 0, 'movement paused');
  t.equal((await strata(aio, ['cluster', 'add-node', '--local'])).code, 0, 'a node is added');
  const rebalance = await strata(aio, ['cluster', 'rebalance', '--yes']);
  t.equal(rebalance.code, 0, `rebalance pushes the rings: ${rebalance.stdout}${rebalance.stderr}`);

  const first = await until(async () => {
    const s = await status(aio);
    return s && s.toMove.partitions > 0 ? s : undefined;
  }, 60_000);
  await new Promise((r) => setTimeout(r, 5000));
  const paused = await status(aio);
  t.equal(paused?.toMove.partitions, first.toMove.partitions, 'nothing moves while paused');

  t.equal((await strata(aio, ['cluster', 'resume'])).code, 0, 'movement resumed');
  const moving = await until(async () => {
    const s = await status(aio);
    return s && s.toMove.partitions < first.toMove.partitions ? s : undefined;
  }, 120_000);
  t.ok(!moving.done, 'the move is under way, not finished');
  const victim = moving.nodes.find((n) => n.devices.some((d) => d.handoffPartitions > 0));
  t.ok(victim, 'a node still has partitions to hand over');
  process.kill(await aio.pidOf(victim!.nodeId), 'SIGKILL');

  // Once the killed node answers again (the all-in-one restarts it), lift the limit.
  await until(async () => {
    const s = await strata(aio, ['cluster', 'throttle', '--rate', '0']);
    return s.code === 0 ? true : undefined;
  }, 60_000);
  const done = await until(async () => {
    const s = await status(aio);
    return s?.done ? s : undefined;
  }, 600_000, 2000);
  t.same(done.toMove, { ...done.toMove, partitions: 0, bytes: 0 }, 'the move finished after the node returned');

  const view = await diskView(await deviceDirs(aio.dataDir));
  t.same(misplaced(view, await loadObjectRing(aio.dataDir)).slice(0, 10), [], 'every object is on exactly its new primaries');
  t.equal(view.objects.size, acked.size, 'no object folder lost or duplicated');
  t.same((await unreadable(user, 'kill', acked)).slice(0, 10), [], 'every acknowledged object reads back identical');
});
