/**
 * diffPlacement: what changes between two placements of one ring (the ring nodes use now and a
 * freshly rebalanced builder's table). Pure and allocation-light: one entry per partition-replica
 * that changes device, in typed arrays, so that 2^20 partitions x 3 replicas diff in tens of ms.
 * Rebalance previews and the quorum safety check are built on it.
 */
import { StoreError } from '../common/index.js';
import { NO_DEVICE } from './device.js';

/** The partition-replicas that change device between two placements of one ring. */
export interface RingDiff {
  partCount: number;
  /** Replica rows of the new placement. */
  replicas: number;
  /** Number of partition-replicas that change device (length of the three arrays below). */
  moveCount: number;
  /** Partition of each move. */
  movePart: Uint32Array;
  /** Source device id in the OLD placement's numbering (a removed disk is still a source: it
   * holds the data), NO_DEVICE when the replica had no device before. */
  moveFrom: Uint16Array;
  /** Destination device id (new placement). */
  moveTo: Uint16Array;
  /** Per partition: replicas of the new placement on devices that already held it before. */
  kept: Uint8Array;
  /** Per partition: distinct devices that held it before (its old replicas with a device). */
  held: Uint8Array;
}

/** Partition-replicas grouped by source and destination device. */
export interface MoveGroup {
  from: number;
  to: number;
  count: number;
}

/**
 * Compares two replica tables of the same ring.
 * @param oldTable the placement in use (Ring.replicaTable()), or undefined for a ring never built
 * @param newTable the rebalanced builder's table
 * @param oldToNew maps an old device id to the id of the same disk in the new placement (-1: the
 * disk is gone); identity when omitted. Needed only when ids were reused for other disks.
 * @throws INVALID_ARGUMENT when the tables have different partition counts (a part power change
 * moves everything and is not a rebalance)
 */
export function diffPlacement(
  oldTable: ReadonlyArray<Uint16Array> | undefined,
  newTable: ReadonlyArray<Uint16Array>,
  oldToNew?: ArrayLike<number>,
): RingDiff {
  const replicas = newTable.length;
  const partCount = newTable[0]?.length ?? 0;
  const old = oldTable ?? [];
  for (const row of [...old, ...newTable]) {
    if (row.length !== partCount) {
      throw new StoreError('INVALID_ARGUMENT', `Cannot compare placements: ${row.length} and ${partCount} partitions (the partition power changed)`);
    }
  }
  const oldReplicas = old.length;
  let cap = Math.max(1024, partCount);
  let movePart = new Uint32Array(cap);
  let moveFrom = new Uint16Array(cap);
  let moveTo = new Uint16Array(cap);
  let n = 0;
  const kept = new Uint8Array(partCount);
  const held = new Uint8Array(partCount);
  // Per-partition scratch: old devices mapped to new ids (-1: gone), whether each old replica
  // is a real copy, and which of them are accounted for (kept, or the source of a move).
  const was = new Int32Array(oldReplicas);
  const real = new Uint8Array(oldReplicas);
  const wasUsed = new Uint8Array(oldReplicas);
  const isNew = new Uint8Array(replicas);
  const map = (id: number): number => {
    if (!oldToNew) return id;
    const m = oldToNew[id];
    return m === undefined ? -1 : m;
  };
  for (let p = 0; p < partCount; p++) {
    let h = 0;
    for (let r = 0; r < oldReplicas; r++) {
      const raw = old[r]![p]!;
      // A disk listed twice (never in a valid ring) counts once.
      let dup = raw === NO_DEVICE;
      for (let q = 0; q < r && !dup; q++) if (old[q]![p] === raw) dup = true;
      real[r] = dup ? 0 : 1;
      was[r] = dup ? -1 : map(raw);
      wasUsed[r] = 0;
      if (!dup) h++;
    }
    held[p] = h;
    let k = 0;
    let fresh = 0;
    for (let r = 0; r < replicas; r++) {
      const dev = newTable[r]![p]!;
      isNew[r] = 1;
      if (dev === NO_DEVICE) { isNew[r] = 0; continue; }
      for (let q = 0; q < oldReplicas; q++) {
        if (was[q] === dev && wasUsed[q] === 0) { wasUsed[q] = 1; isNew[r] = 0; k++; break; }
      }
      if (isNew[r]) fresh++;
    }
    kept[p] = k;
    if (fresh === 0) continue;
    if (n + fresh > cap) {
      cap = Math.max(cap * 2, n + fresh);
      movePart = grow(movePart, cap);
      moveFrom = grow(moveFrom, cap);
      moveTo = grow(moveTo, cap);
    }
    for (let r = 0; r < replicas; r++) {
      if (!isNew[r]) continue;
      // Source: the old replica in the same row when it left, else the first old one that left.
      // (The builder reassigns a replica in place, so the same row is the usual source.)
      let src = -1;
      if (r < oldReplicas && real[r] === 1 && wasUsed[r] === 0) src = r;
      for (let q = 0; src < 0 && q < oldReplicas; q++) if (real[q] === 1 && wasUsed[q] === 0) src = q;
      let from = NO_DEVICE;
      if (src >= 0) {
        wasUsed[src] = 1;
        from = old[src]![p]!;
      }
      movePart[n] = p;
      moveFrom[n] = from;
      moveTo[n] = newTable[r]![p]!;
      n++;
    }
  }
  return { partCount, replicas, moveCount: n, movePart, moveFrom, moveTo, kept, held };
}

function grow<T extends Uint32Array | Uint16Array>(a: T, cap: number): T {
  const b = new (a.constructor as new (n: number) => T)(cap);
  b.set(a);
  return b;
}

/** Moves grouped by (source, destination), largest groups first. */
export function groupMoves(d: RingDiff): MoveGroup[] {
  const groups = new Map<number, MoveGroup>();
  for (let i = 0; i < d.moveCount; i++) {
    const from = d.moveFrom[i]!;
    const to = d.moveTo[i]!;
    const key = from * 0x10000 + to;
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { from, to, count: 1 });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.from - b.from || a.to - b.to);
}

/**
 * Partitions whose replicas staying in place would be fewer than `quorum` (or than the copies they
 * had, when that was already fewer). Returns their count and the first such partition.
 */
export function partitionsBelowQuorum(d: RingDiff, quorum: number): { count: number; first: number | undefined } {
  let count = 0;
  let first: number | undefined;
  for (let p = 0; p < d.partCount; p++) {
    // A partition already below quorum before (say, replicas were added) is not made worse.
    if (d.kept[p]! >= Math.min(quorum, d.held[p]!)) continue;
    if (first === undefined) first = p;
    count++;
  }
  return { count, first };
}
