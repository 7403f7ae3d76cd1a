/**
 * Handoff order: a lazy, deterministic sequence of devices for a partition, after its primaries.
 * It first picks devices in regions no replica uses yet, then unused zones, then unused servers,
 * then any unused device; within a phase the choice is pseudo-random, seeded by the partition, so
 * that the handoff load of a failed device spreads over the cluster instead of one neighbour.
 */
import type { Device } from './device.js';
import type { Topology } from './topology.js';
import { SeededRandom } from './random.js';

/** Active nodes per level (levels 0..2) and active device ids (level 3). */
export function activeNodeLists(topo: Topology): Int32Array[] {
  const lists: Int32Array[] = [];
  for (let level = 0; level < 3; level++) {
    const nodes: number[] = [];
    for (let n = 0; n < topo.nodeCount[level]!; n++) if (topo.activeDevices[level]![n]! > 0) nodes.push(n);
    lists.push(Int32Array.from(nodes));
  }
  const devs: number[] = [];
  topo.weight[3]!.forEach((w, id) => { if (w > 0) devs.push(id); });
  lists.push(Int32Array.from(devs));
  return lists;
}

/**
 * Yields handoff devices for `part`, never one of `primaries`, each device once.
 * `lists` comes from activeNodeLists(topo).
 */
export function* handoffSequence(topo: Topology, lists: Int32Array[], devices: ReadonlyArray<Device | undefined>,
  primaries: ArrayLike<number>, part: number): Generator<Device, void, undefined> {
  const used: number[][] = [[], [], [], []];
  const usedActive = [0, 0, 0, 0];
  const mark = (dev: number): void => {
    for (let level = 0; level < 4; level++) {
      const node = level === 3 ? dev : topo.nodeOf[level]![dev]!;
      if (!used[level]!.includes(node)) {
        used[level]!.push(node);
        if (topo.activeUnder(level, node) > 0) usedActive[level]!++;
      }
    }
  };
  for (let i = 0; i < primaries.length; i++) mark(primaries[i]!);
  const rnd = new SeededRandom(Math.imul(part, 0x9e3779b1) ^ 0x5bd1e995);
  for (let level = 0; level < 4; level++) {
    const list = lists[level]!;
    while (usedActive[level]! < list.length) {
      const node = pickUnused(list, used[level]!, rnd);
      let dev = node;
      for (let l = level; l < 3; l++) {
        const kids = topo.children[l]![dev]!;
        dev = kids[rnd.below(kids.length)]!;
      }
      mark(dev);
      yield devices[dev]!;
    }
  }
}

/** A random element of `list` not in `used` (rejection sampling, then a scan). */
function pickUnused(list: Int32Array, used: number[], rnd: SeededRandom): number {
  for (let tries = 0; tries < 8; tries++) {
    const c = list[rnd.below(list.length)]!;
    if (!used.includes(c)) return c;
  }
  const start = rnd.below(list.length);
  for (let i = 0; i < list.length; i++) {
    const c = list[(start + i) % list.length]!;
    if (!used.includes(c)) return c;
  }
  throw new Error('unreachable: no unused node although the count says there is one');
}
