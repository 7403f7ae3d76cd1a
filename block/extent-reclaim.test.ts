import t, { type Test } from 'tap';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { silentLogger } from '../common/index.js';
import { BlockTestNodes } from '../test/integration/block-nodes.js';
import { layersAbove, unusedExtents } from './extent-reclaim.js';
import { ReplicatedVolume } from './replicated-volume.js';
import { VolumeManager } from './volume-manager.js';
import type { Catalog } from './volume-catalog.js';

const MiB = 1024 * 1024;

t.test('layersAbove() and unusedExtents() keep an extent any reader still sees', async (t) => {
  const c: Catalog = {
    volumes: [
      { id: 'v', name: 'v', sizeBytes: MiB, extentBytes: MiB, layers: ['l2', 'l1', 'l0'], createdAtMs: 0 },
      { id: 'c', name: 'c', sizeBytes: MiB, extentBytes: MiB, layers: ['lc', 'l0'], createdAtMs: 0, cloneOf: 's0' },
    ],
    snapshots: [{ id: 's1', name: 's1', volumeId: 'v', sizeBytes: MiB, extentBytes: MiB, layers: ['l1', 'l0'], createdAtMs: 0 }],
  };
  t.same(layersAbove(c, 'l0'), [['l2', 'l1'], ['lc'], ['l1']]);
  t.same(layersAbove(c, 'lx'), []);
  const held: Record<string, number[]> = { l1: [0, 1], l2: [2], lc: [0, 3] };
  const holds = (u: string, i: number) => held[u]?.includes(i) ?? false;
  t.same(unusedExtents([0, 1, 2, 3, 4], layersAbove(c, 'l0'), holds), [0], 'only extent 0 is hidden from every reader');
  t.same(unusedExtents([3, 1], [['l1']], holds), [1]);
  t.same(unusedExtents([0, 1], [], holds), [0, 1], 'no reader: everything is unused');
});

async function setup(t: Test) {
  const nodes = await BlockTestNodes.start(3);
  t.teardown(() => nodes.close());
  const manager = new VolumeManager({ registers: nodes.registers, extents: nodes.extents, placement: nodes.placement });
  const rec = await manager.create('v1', 8 * MiB);
  const deps = { extents: nodes.extents, placement: nodes.placement, log: silentLogger(), replicaCount: 3 };
  const vol = await ReplicatedVolume.open(deps, rec, false);
  /** Extent files of a layer on each node's disk. */
  const files = async (layer: string) => Promise.all(nodes.nodes.map(async (n) => (await readdir(join(n.dir, 'block', layer)).catch(() => [] as string[]))
    .filter((f) => /^\d+$/.test(f)).map(Number).sort((a, b) => a - b)));
  const snapshot = async (name: string) => {
    let id = '';
    await vol.quiesced(async () => {
      id = (await manager.snapshot('v1', name)).id;
      return (await manager.show('v1')).volume.layers;
    });
    return id;
  };
  const readByte = async (v: ReplicatedVolume, offset: number) => {
    const [seg] = await v.read(offset, 1);
    return seg.data ? seg.data[0] : 0;
  };
  return { nodes, manager, vol, deps, files, snapshot, readByte };
}

t.test('VolumeManager.deleteSnapshot() on a live volume frees exactly the extents it overwrote since', async (t) => {
  const { manager, vol, files, snapshot, readByte } = await setup(t);
  await vol.write(0, Buffer.alloc(4 * MiB, 1), false);
  const base = vol.currentLayers[0];
  await snapshot('s1');
  await vol.write(0, Buffer.alloc(MiB, 2), false); // whole extent 0
  await vol.write(MiB + 100, Buffer.alloc(10, 3), false); // partial: extent 1 is copied up
  await vol.zero(2 * MiB, MiB, { trim: true, fua: false, fastZero: false }); // extent 2 hidden by an empty extent
  t.same(await files(base), [[0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3]], 'before: the snapshot layer holds 4 extents per node');
  const out = await manager.deleteSnapshotDetailed('s1', 'v1');
  t.same(out.freedLayers, [], 'the volume still reads the layer');
  t.equal(out.freedExtents, 9, '3 extents on 3 replicas');
  t.same(await files(base), [[3], [3], [3]], 'after: only the extent the volume still reads is left');
  t.same([await readByte(vol, 0), await readByte(vol, MiB), await readByte(vol, MiB + 100), await readByte(vol, 2 * MiB), await readByte(vol, 3 * MiB)], [2, 1, 3, 0, 1]);
});

t.test('VolumeManager.deleteSnapshot() keeps extents another snapshot or a clone still reads', async (t) => {
  const { manager, vol, deps, files, snapshot, readByte } = await setup(t);
  await vol.write(0, Buffer.alloc(3 * MiB, 1), false);
  const l0 = vol.currentLayers[0];
  await snapshot('s1');
  await vol.write(0, Buffer.alloc(MiB, 2), false);
  const s2 = await snapshot('s2');
  await vol.write(MiB, Buffer.alloc(MiB, 3), false);
  const clone = await manager.clone(s2, 'c1');
  const cv = await ReplicatedVolume.open(deps, clone, false);
  await manager.deleteSnapshot('s1', 'v1');
  t.same(await files(l0), [[1, 2], [1, 2], [1, 2]], 'extent 0 is hidden everywhere; extent 1 is still read by s2 and the clone');
  t.same([await readByte(cv, 0), await readByte(cv, MiB), await readByte(cv, 2 * MiB)], [2, 1, 1], 'the clone reads its snapshot');
  t.same([await readByte(vol, 0), await readByte(vol, MiB), await readByte(vol, 2 * MiB)], [2, 3, 1], 'the volume reads its own data');
});

t.test('VolumeManager.deleteSnapshot() keeps extents held by only a minority of the upper replicas', async (t) => {
  const { manager, vol, nodes, files, snapshot } = await setup(t);
  await vol.write(0, Buffer.alloc(2 * MiB, 1), false);
  const l0 = vol.currentLayers[0];
  await snapshot('s1');
  await vol.write(0, Buffer.alloc(MiB, 2), false);
  await vol.flush();
  // The volume's newer copy of extent 0 is lost on two replicas: its old copy must stay.
  const top = vol.currentLayers[0];
  await nodes.extents.deleteExtents(nodes.replicas[0], top, [0]);
  await nodes.extents.deleteExtents(nodes.replicas[1], top, [0]);
  const out = await manager.deleteSnapshotDetailed('s1', 'v1');
  t.equal(out.freedExtents, 0);
  t.same(await files(l0), [[0, 1], [0, 1], [0, 1]]);
});
