import t from 'tap';
import { StaticBlockPlacement, type ExtentClient, type ExtentState } from '../cluster/index.js';
import { resolveExtent } from './extent-info.js';
import { LayerMap } from './layer-map.js';

const replicas = [0, 1, 2].map((id) => ({ id, ip: '127.0.0.1', port: 1000 + id, device: 'd1' }));
const placement = new StaticBlockPlacement(replicas, 3);

/** An extent client whose stat answers from `states` (by replica id) and counts calls. */
function fakeExtents(states: Record<number, ExtentState>) {
  const calls: number[] = [];
  const extents = {
    stat: async (r: { id: number }) => {
      calls.push(r.id);
      return states[r.id] ?? { exists: false, generation: 0, zeroed: false };
    },
  } as unknown as ExtentClient;
  return { extents, calls };
}

t.test('resolveExtent() skips the probe before a first write only when the listing was complete', async (t) => {
  const none = fakeExtents({});
  const info = await resolveExtent(none.extents, placement, ['l-top'], [new LayerMap('l-top', true)], 5, true);
  t.same(none.calls, [], 'complete listing without the extent: no stat');
  t.equal(info.probed, true);
  t.equal(info.exists, false);
  t.equal(info.generation, 0);

  const partial = fakeExtents({});
  await resolveExtent(partial.extents, placement, ['l-top'], [new LayerMap('l-top', false)], 5, true);
  t.equal(partial.calls.length, 3, 'a device missed the listing: every replica is asked');
});

t.test('resolveExtent() probes a listed extent and marks a replica behind as stale', async (t) => {
  const map = new LayerMap('l-top', true);
  map.mark(5, false);
  const f = fakeExtents({ 0: { exists: true, generation: 2, zeroed: false }, 1: { exists: true, generation: 2, zeroed: false } });
  const info = await resolveExtent(f.extents, placement, ['l-top'], [map], 5, true);
  t.equal(f.calls.length, 3);
  t.equal(info.exists, true);
  t.equal(info.generation, 2);
  t.same([...info.stale], [2], 'the replica without the extent is stale');
  t.equal(info.bumped, false);
});
