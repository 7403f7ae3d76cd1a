import t, { type Test } from 'tap';
import { StoreError, silentLogger } from '../common/index.js';
import type { ExtentClient } from '../cluster/index.js';
import { BlockTestNodes } from '../test/integration/block-nodes.js';
import { ReplicatedVolume } from './replicated-volume.js';
import { VolumeManager } from './volume-manager.js';

const MiB = 1024 * 1024;

async function setup(t: Test, size = 16 * MiB) {
  const nodes = await BlockTestNodes.start(3);
  t.teardown(() => nodes.close());
  const manager = new VolumeManager({ registers: nodes.registers, extents: nodes.extents, placement: nodes.placement });
  const rec = await manager.create('v1', size);
  const deps = { extents: nodes.extents, placement: nodes.placement, log: silentLogger(), replicaCount: 3 };
  const vol = await ReplicatedVolume.open(deps, rec, false);
  return { nodes, manager, rec, vol, deps };
}

async function readAll(vol: ReplicatedVolume, offset: number, length: number): Promise<Buffer> {
  const out = Buffer.alloc(length);
  for (const seg of await vol.read(offset, length)) if (seg.data) seg.data.copy(out, seg.at);
  return out;
}

t.test('ReplicatedVolume.write() across extents reads back, unwritten ranges read as zeros', async (t) => {
  const { vol } = await setup(t);
  const data = Buffer.alloc(MiB + 8192, 0x5a);
  await vol.write(MiB - 4096, data, false);
  await vol.flush();
  const back = await readAll(vol, MiB - 8192, MiB + 16384);
  t.ok(back.subarray(0, 4096).every((b) => b === 0));
  t.ok(back.subarray(4096, 4096 + data.length).every((b) => b === 0x5a));
  t.ok(back.subarray(4096 + data.length).every((b) => b === 0));
  t.same(vol.blockStatus(0, 4 * MiB), [{ length: 3 * MiB, flags: 0 }, { length: MiB, flags: 3 }]);
  t.equal(vol.blockStatus(3 * MiB, MiB)[0].flags, 3, 'untouched extent is a hole');
  t.equal(vol.blockStatus(0, MiB)[0].flags, 0, 'written extent is data');
});

t.test('ReplicatedVolume rejects I/O past the end and writes to read-only views', async (t) => {
  const { vol, deps, rec } = await setup(t);
  await t.rejects(vol.write(16 * MiB - 10, Buffer.alloc(20), false), { code: 'RANGE_NOT_SATISFIABLE' });
  await t.rejects(vol.read(16 * MiB, 1), { code: 'RANGE_NOT_SATISFIABLE' });
  const ro = await ReplicatedVolume.open(deps, rec, true);
  await t.rejects(ro.write(0, Buffer.alloc(1), false), { code: 'PERMISSION_DENIED' });
});

t.test('ReplicatedVolume keeps writing with one node down, marks it stale and resyncs it', async (t) => {
  const { vol, nodes, deps, rec } = await setup(t);
  await vol.write(0, Buffer.alloc(4096, 1), false);
  await nodes.stopNode(1);
  for (let i = 0; i < 8; i++) await vol.write(i * MiB, Buffer.alloc(4096, 2), true);
  await vol.flush();
  t.ok(vol.staleExtents > 0, 'some extents have a stale replica');
  t.equal((await readAll(vol, 0, 4096))[0], 2);
  await nodes.startNode(1);
  let fixed = 0;
  const deadline = Date.now() + 10_000;
  while (vol.staleExtents > 0 && Date.now() < deadline) fixed += await vol.resyncOnce();
  t.equal(vol.staleExtents, 0, 'all resynced');
  t.ok(fixed > 0);
  // A fresh gateway view sees equal generations everywhere and reads the new data from any replica.
  await nodes.stopNode(0);
  const again = await ReplicatedVolume.open({ ...deps }, rec, true).catch(() => undefined);
  t.ok(again, 'opens with one node down');
  if (again) t.equal((await readAll(again, 7 * MiB, 4096))[0], 2);
});

t.test('ReplicatedVolume.zero() frees whole extents and fast zero refuses partial ones', async (t) => {
  const { vol, nodes } = await setup(t);
  await vol.write(0, Buffer.alloc(2 * MiB, 3), false);
  await t.rejects(vol.zero(100, 200, { trim: false, fua: false, fastZero: true }), { code: 'NOT_IMPLEMENTED' });
  await vol.zero(0, MiB, { trim: true, fua: false, fastZero: false });
  await vol.zero(MiB + 10, 10, { trim: false, fua: false, fastZero: false });
  const back = await readAll(vol, 0, 2 * MiB);
  t.ok(back.subarray(0, MiB).every((b) => b === 0));
  t.ok(back.subarray(MiB, MiB + 10).every((b) => b === 3));
  t.ok(back.subarray(MiB + 10, MiB + 20).every((b) => b === 0));
  t.equal(vol.blockStatus(0, MiB)[0].flags, 3);
  // A write is acknowledged by a majority; flush waits for the slowest replica too.
  await vol.flush();
  const list = await nodes.extents.listLayer(nodes.replicas[0], vol.currentLayers[0]);
  t.ok(list.bytes < 2 * MiB, 'trimmed extent takes no space');
});

t.test('snapshot of a volume is copy-on-write and a clone reads through it', async (t) => {
  const { vol, manager, deps } = await setup(t);
  await vol.write(0, Buffer.alloc(2 * MiB, 1), false);
  let snapId = '';
  await vol.quiesced(async () => {
    const snap = await manager.snapshot('v1', 's1');
    snapId = snap.id;
    return (await manager.show('v1')).volume.layers;
  });
  await vol.write(4096, Buffer.alloc(4096, 2), false);
  const back = await readAll(vol, 0, 3 * 4096);
  t.same([back[0], back[4096], back[8192]], [1, 2, 1], 'partial write over snapshot keeps the rest');
  const clone = await manager.clone(snapId, 'c1');
  const cv = await ReplicatedVolume.open(deps, clone, false);
  t.equal((await readAll(cv, 4096, 1))[0], 1, 'clone sees the snapshot, not later writes');
  await cv.write(MiB, Buffer.alloc(10, 9), false);
  t.equal((await readAll(vol, MiB, 1))[0], 1, 'clone writes do not leak into the origin');
  await t.rejects(manager.deleteSnapshot('s1', 'v1'), { code: 'IN_USE' });
  await t.rejects(manager.delete('v1'), { code: 'IN_USE' });
  const { freedLayers } = await manager.delete('c1');
  t.equal(freedLayers.length, 1, 'only the clone layer is freed');
  const freed = await manager.deleteSnapshot('s1', 'v1');
  t.same(freed, [], 'the origin still reads the snapshot layer');
  const del = await manager.delete('v1');
  t.equal(del.freedLayers.length, 2);
  t.equal(await manager.layerBytes(del.freedLayers[0]), 0);
});

t.test('ReplicatedVolume.scrubStep() finds replicas that missed writes before it attached', async (t) => {
  const { vol, nodes, deps, rec } = await setup(t);
  await nodes.stopNode(2);
  for (let i = 0; i < 6; i++) await vol.write(i * MiB, Buffer.alloc(8192, 4), true);
  await nodes.startNode(2);
  // A new gateway view (as after a restart) knows nothing of the stale replicas until it scrubs.
  const fresh = await ReplicatedVolume.open(deps, { ...rec, layers: [...vol.currentLayers] }, false);
  t.equal(fresh.staleExtents, 0);
  let done = false;
  for (let i = 0; i < 10 && !done; i++) done = await fresh.scrubStep(4);
  t.ok(done, 'a full pass completed');
  t.ok(fresh.staleExtents > 0, 'stale replicas found');
  const deadline = Date.now() + 10_000;
  while (fresh.staleExtents > 0 && Date.now() < deadline) await fresh.resyncOnce();
  t.equal(fresh.staleExtents, 0, 'and resynced');
  await nodes.stopNode(0);
  await nodes.stopNode(1);
  const res = await nodes.extents.read(nodes.replicas[2], { layer: vol.currentLayers[0], index: 5, offset: 0, length: 8192 });
  t.ok(res.data.every((b) => b === 4), 'the resynced replica holds the data on its own');
});

/** The test nodes' client, with writes to one replica held until released (or failed). */
function slowReplica(extents: ExtentClient, replicaId: number) {
  let open!: (fail: boolean) => void;
  const gate = new Promise<boolean>((resolve) => (open = resolve));
  const held = Object.create(extents) as ExtentClient;
  held.write = async (r, req) => {
    if (r.id !== replicaId) return extents.write(r, req);
    if (await gate) throw new StoreError('UNAVAILABLE', 'Cannot write: test node failed');
    return extents.write(r, req);
  };
  return { held, release: () => open(false), fail: () => open(true) };
}

t.test('ReplicatedVolume.write() answers on a majority; reads and flush wait for the slow replica', async (t) => {
  const { nodes, rec } = await setup(t);
  const slow = slowReplica(nodes.extents, nodes.replicas[2].id);
  const vol = await ReplicatedVolume.open({ extents: slow.held, placement: nodes.placement, log: silentLogger(), replicaCount: 3 }, rec, false);
  await vol.write(0, Buffer.alloc(4096, 7), false);
  t.equal((await readAll(vol, 0, 4096))[0], 7, 'reads skip the replica that has not answered');
  let flushed = false;
  const flush = vol.flush().then(() => (flushed = true));
  await new Promise((r) => setTimeout(r, 50));
  t.notOk(flushed, 'flush waits for the slow replica');
  slow.release();
  await flush;
  t.equal(vol.staleExtents, 0);
  const res = await nodes.extents.read(nodes.replicas[2], { layer: rec.layers[0], index: 0, offset: 0, length: 4096 });
  t.equal(res.data[0], 7, 'the slow replica holds the write after flush');
});

t.test('ReplicatedVolume: a replica failing after the acknowledgement is marked stale and bumped past', async (t) => {
  const { nodes, rec } = await setup(t);
  const slow = slowReplica(nodes.extents, nodes.replicas[1].id);
  const vol = await ReplicatedVolume.open({ extents: slow.held, placement: nodes.placement, log: silentLogger(), replicaCount: 3 }, rec, false);
  await vol.write(MiB, Buffer.alloc(4096, 5), false);
  slow.fail();
  await vol.flush();
  t.equal(vol.staleExtents, 1, 'the failed replica is stale');
  const states = await Promise.all(nodes.replicas.map((r) => nodes.extents.stat(r, rec.layers[0], 1)));
  t.ok(states[0].generation > states[1].generation && states[2].generation > states[1].generation, 'the others moved to a higher generation');
  t.equal((await readAll(vol, MiB, 4096))[0], 5);
});

t.test('ReplicatedVolume partial TRIM zeroes its range and frees the extent once all of it is trimmed', async (t) => {
  const { vol, nodes } = await setup(t);
  await vol.write(2 * MiB, Buffer.alloc(8192, 6), false);
  await vol.zero(2 * MiB + 4096, 4096, { trim: true, fua: false, fastZero: false });
  const back = await readAll(vol, 2 * MiB, 8192);
  t.ok(back.subarray(0, 4096).every((b) => b === 6), 'the untrimmed part stays');
  t.ok(back.subarray(4096).every((b) => b === 0), 'the trimmed part reads as zeros');
  t.equal(vol.blockStatus(2 * MiB, MiB)[0].flags, 0);
  await vol.zero(2 * MiB, 4096, { trim: true, fua: false, fastZero: false });
  t.equal(vol.blockStatus(2 * MiB, MiB)[0].flags, 3, 'wholly trimmed: reads as a hole');
  await vol.flush();
  const states = await Promise.all(nodes.replicas.map((r) => nodes.extents.stat(r, vol.currentLayers[0], 2)));
  t.ok(states.every((s) => s.zeroed), 'every replica freed the extent');
});

t.test('ReplicatedVolume.zero() over a clone\'s parent data: WRITE_ZEROES reads back zeros, partial TRIM may leave it', async (t) => {
  const { vol, manager, deps, nodes } = await setup(t);
  await vol.write(0, Buffer.alloc(4 * MiB, 7), false);
  let snapId = '';
  await vol.quiesced(async () => {
    snapId = (await manager.snapshot('v1', 's1')).id;
    return (await manager.show('v1')).volume.layers;
  });
  const cv = await ReplicatedVolume.open(deps, await manager.clone(snapId, 'c1'), false);
  await cv.zero(4096, 8192, { trim: false, fua: false, fastZero: false });
  await cv.zero(MiB, MiB, { trim: false, fua: false, fastZero: false });
  await cv.zero(2 * MiB, MiB, { trim: true, fua: false, fastZero: false });
  await cv.zero(3 * MiB + 4096, 4096, { trim: true, fua: false, fastZero: false });
  await t.rejects(cv.zero(3 * MiB, 4096, { trim: false, fua: false, fastZero: true }), { code: 'NOT_IMPLEMENTED' }, 'fast zero refuses a copy-up');
  const back = await readAll(cv, 0, 4 * MiB);
  t.ok(back.subarray(0, 4096).every((b) => b === 7) && back.subarray(12288, MiB).every((b) => b === 7), 'around a partial WRITE_ZEROES the parent data stays');
  t.ok(back.subarray(4096, 12288).every((b) => b === 0), 'partial WRITE_ZEROES over parent data reads zeros');
  t.ok(back.subarray(MiB, 3 * MiB).every((b) => b === 0), 'whole-extent WRITE_ZEROES and TRIM over parent data read zeros');
  t.ok(back.subarray(3 * MiB).every((b) => b === 7), 'partial TRIM over parent data is advisory: nothing copied up');
  t.same(cv.blockStatus(0, 4 * MiB), [{ length: MiB, flags: 0 }, { length: 2 * MiB, flags: 3 }, { length: MiB, flags: 0 }]);
  const own = await nodes.extents.listLayer(nodes.replicas[0], cv.currentLayers[0]);
  t.same(own.indexes, [0, 1, 2], 'the clone layer holds the copied-up extent and two empty ones');
  t.same(own.zeroedIndexes, [1, 2], 'the whole-extent zeros take no data space');
  t.equal((await readAll(vol, MiB, 4096))[0], 7, 'the origin keeps its data');
});
