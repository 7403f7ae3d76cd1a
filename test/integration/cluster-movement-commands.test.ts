/**
 * The all-in-one and the movement commands: `strata cluster throttle/pause/resume` reach every
 * storage node (their MovementStatus shows the control), `strata cluster add-node --local`
 * starts one more node under the running all-in-one and registers it in the account, container
 * and object builders, `status --json` reports it, and the node starts again after a restart.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RingBuilder } from '../../ring/index.js';
import { MovementClient, DEFAULT_NODE_CLIENT_CONFIG, type MovementControlMsg } from '../../cluster/index.js';
import { startAllInOne, STRATA_ENTRY, type AllInOne } from './all-in-one.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;

interface Layout { bindIp: string; nodes: Array<{ id: string; port: number }> }

async function controls(aio: AllInOne): Promise<Record<string, MovementControlMsg>> {
  const layout = JSON.parse(await readFile(join(aio.dataDir, 'all-in-one.json'), 'utf8')) as Layout;
  const { peerSecret } = JSON.parse(await readFile(join(aio.dataDir, 'cluster.json'), 'utf8')) as { peerSecret: string };
  const out: Record<string, MovementControlMsg> = {};
  for (const n of layout.nodes) {
    const c = new MovementClient(layout.bindIp, n.port, { ...DEFAULT_NODE_CLIENT_CONFIG, peerSecret });
    try {
      out[n.id] = (await c.movementStatus({ timeoutMs: 10_000 })).control;
    } finally {
      c.close();
    }
  }
  return out;
}

t.test('throttle, pause, resume and add-node --local on the all-in-one', async (t) => {
  let aio = await startAllInOne(t, { nodes: 2 });
  const strata = (...args: string[]) => run(process.execPath, [STRATA_ENTRY, ...args], { env: aio.env, timeout: 120_000 });

  const throttled = await strata('cluster', 'throttle', '--rate', '30MiB');
  t.match(throttled.stdout, /15\.0 MiB\/s per node over 2 nodes/);
  t.same(await controls(aio), { n1: { maxBytesPerSec: 15 * MiB, paused: false }, n2: { maxBytesPerSec: 15 * MiB, paused: false } });
  await strata('cluster', 'pause');
  t.same(Object.values(await controls(aio)).map((c) => c.paused), [true, true], 'pause reaches every node');
  await strata('cluster', 'resume');
  t.same(Object.values(await controls(aio)).map((c) => c.paused), [false, false], 'resume reaches every node');
  const bad = await strata('cluster', 'throttle', '--rate', 'lots').then(() => undefined, (e: { code: number; stderr: string }) => e);
  t.equal(bad?.code, 2, 'a bad rate exits 2');

  const added = await strata('cluster', 'add-node', '--local');
  t.match(added.stdout, /Started storage node n3 on port \d+ under the running all-in-one/);
  t.match(added.stdout, /now run `strata cluster rebalance`/);
  const after = await controls(aio);
  t.same(after.n3, { maxBytesPerSec: 10 * MiB, paused: false }, 'the new node answers and has its share');
  t.equal(after.n1?.maxBytesPerSec, 10 * MiB, 'the others get the new share');
  for (const name of ['account', 'container', 'object']) {
    const b = await RingBuilder.load(join(aio.dataDir, 'rings', `${name}.builder`));
    t.same(b.devices.filter((d) => d?.meta === 'n3').map((d) => d!.device), ['d1'], `n3 is in the ${name} builder`);
  }
  const block = await RingBuilder.load(join(aio.dataDir, 'rings', 'block.builder'));
  t.notOk(block.devices.some((d) => d?.meta === 'n3'), 'not in the block builder');

  const status = JSON.parse((await strata('cluster', 'status', '--json')).stdout) as { toMove: object; done: boolean; nodes: Array<{ nodeId: string }> };
  t.same(status.nodes.map((n) => n.nodeId).sort(), ['n1', 'n2', 'n3'], 'status asks the node added to the builders');
  t.same(status.toMove, { partitions: 0, bytes: 0, listingPartitions: 0 });
  t.equal(status.done, true);

  const pidBefore = await aio.pidOf('n3');
  aio = await aio.restart();
  const pidAfter = await aio.pidOf('n3');
  t.not(pidAfter, pidBefore, 'n3 is a new process after the restart');
  t.same((await controls(aio)).n3, { maxBytesPerSec: 10 * MiB, paused: false }, 'n3 runs again after a restart, with its control kept');
});
