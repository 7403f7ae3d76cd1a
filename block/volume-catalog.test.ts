import t from 'tap';
import {
  EMPTY_CATALOG, addVolume, cloneSnapshot, extendVolume, parseCatalog, removeSnapshot, removeVolume, snapshotVolume,
  type VolumeRecord,
} from './volume-catalog.js';
import { isLive, takeLease } from './volume-lease.js';

const MiB = 1024 * 1024;
const vol = (name: string, layer: string): VolumeRecord => ({ id: `vol-${name}`, name, sizeBytes: 8 * MiB, extentBytes: MiB, layers: [layer], createdAtMs: 1 });

t.test('snapshotVolume() freezes the layer and gives the volume a new one', async (t) => {
  const c0 = addVolume(EMPTY_CATALOG, vol('a', 'l-1'));
  const { catalog, snapshot } = snapshotVolume(c0, 'a', 's1', 2);
  t.same(snapshot.layers, ['l-1']);
  const a = catalog.volumes[0];
  t.equal(a.layers.length, 2);
  t.equal(a.layers[1], 'l-1');
  t.not(a.layers[0], 'l-1');
  t.throws(() => snapshotVolume(catalog, 'a', 's1', 3), { code: 'ALREADY_EXISTS' });
});

t.test('removeVolume() and removeSnapshot() free exactly the layers nothing reads', async (t) => {
  let c = addVolume(EMPTY_CATALOG, vol('a', 'l-1'));
  const snap = snapshotVolume(c, 'a', 's1', 2);
  c = snap.catalog;
  const cl = cloneSnapshot(c, 's1', 'b', 3, 'a');
  c = cl.catalog;
  t.throws(() => removeSnapshot(c, 's1', 'a'), { code: 'IN_USE', message: /dependent clones \("b"\)/ });
  t.throws(() => removeVolume(c, 'a'), { code: 'IN_USE' });
  const rb = removeVolume(c, 'b');
  t.same(rb.freed, [cl.volume.layers[0]], 'only the clone layer');
  const rs = removeSnapshot(rb.catalog, 's1', 'a');
  t.same(rs.freed, [], 'the origin still reads the snapshot layer');
  const ra = removeVolume(rs.catalog, 'a');
  t.same(ra.freed.sort(), [...snap.catalog.volumes[0].layers].sort());
  t.throws(() => removeVolume(ra.catalog, 'a'), { code: 'NOT_FOUND' });
});

t.test('addVolume() and extendVolume() check names and sizes', async (t) => {
  const c = addVolume(EMPTY_CATALOG, vol('a', 'l-1'));
  t.throws(() => addVolume(c, vol('a', 'l-2')), { code: 'ALREADY_EXISTS' });
  t.throws(() => addVolume(c, { ...vol('b', 'l-2'), name: '../x' }), { code: 'INVALID_ARGUMENT' });
  t.throws(() => addVolume(c, { ...vol('b', 'l-2'), sizeBytes: 1000 }), { code: 'INVALID_ARGUMENT' });
  t.equal(extendVolume(c, 'a', 16 * MiB).volumes[0].sizeBytes, 16 * MiB);
  t.throws(() => extendVolume(c, 'a', MiB), { code: 'INVALID_ARGUMENT' });
  t.throws(() => parseCatalog('{"x":1}'), { code: 'CORRUPT' });
});

t.test('takeLease() refuses a live lease of another holder and allows it once expired', async (t) => {
  const l1 = takeLease(undefined, 'gw1', 1000, 500, 'v');
  t.ok(isLive(l1, 1200));
  t.throws(() => takeLease(l1, 'gw2', 1200, 500, 'v'), { code: 'IN_USE', message: /in use by gateway "gw1"/ });
  t.equal(takeLease(l1, 'gw1', 1200, 500, 'v').expiresAtMs, 1700, 'renewal');
  t.equal(takeLease(l1, 'gw2', 1600, 500, 'v').holder, 'gw2', 'a dead gateway\'s lease expires');
});
