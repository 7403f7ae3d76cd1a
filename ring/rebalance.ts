/**
 * The rebalance algorithm: gather the partition-replicas that must or should move, then place
 * each one by walking the failure-domain tree. Works on typed arrays only (no per-partition
 * objects) so that 2^20 partitions x 3 replicas rebalance in about a second.
 *
 * Gather, in priority order: replicas with no device or on a removed device (always, they have no
 * data to protect); then, for each partition that may move (min_part_hours) and at most one
 * replica of it: a replica on a weight-0 device (drain), a replica in a failure domain that holds
 * more replicas of the partition than dispersion allows, a replica on a device above its quota
 * (quotas.ts). Place (tree-walk.ts), least flexible partitions first. Then repeat on what is still
 * above quota: a replica that moved in this rebalance may move again (still one replica of its
 * partition), preferring replicas some device below quota can accept, else starting a chain.
 */
import { StoreError } from '../common/index.js';
import { NO_DEVICE, type Device } from './device.js';
import { Topology } from './topology.js';
import { computeTargets, type Targets } from './targets.js';
import { computeQuotas } from './quotas.js';
import { SeededRandom } from './random.js';
import { chooseDevice, type WalkState } from './tree-walk.js';

/** The builder's mutable placement: table[replica][part] = device id or NO_DEVICE. */
export interface PlacementState {
  replicas: number;
  partCount: number;
  table: Uint16Array[];
  /** Minutes since the Unix epoch at which each partition last moved (0 = long ago). */
  movedAtMin: Uint32Array;
}

export interface PlacementOptions {
  seed: number;
  nowMin: number;
  minPartHours: number;
  overload?: number;
}

export interface PlacementResult {
  /** Partition-replicas that changed device, including those of removed devices. */
  moved: number;
  /** Partition-replicas that had no device and got one. */
  assigned: number;
  /** Gather/place passes run. */
  passes: number;
  targets: Targets;
  quota: Int32Array[];
  topology: Topology;
}

const MAX_PASSES = 12;

/** Rebalances `state` in place. @throws INVALID_ARGUMENT when there are fewer active devices than replicas */
export function rebalancePlacement(devices: ReadonlyArray<Device | undefined>, state: PlacementState,
  opts: PlacementOptions): PlacementResult {
  const topo = new Topology(devices);
  if (topo.activeCount < state.replicas) {
    throw new StoreError('INVALID_ARGUMENT',
      `Cannot rebalance: ${state.replicas} replicas need at least ${state.replicas} devices with weight > 0, found ${topo.activeCount}`);
  }
  const targets = computeTargets(topo, state.replicas, opts.overload);
  const current = new Int32Array(devices.length);
  for (const row of state.table) {
    for (let i = 0; i < row.length; i++) if (row[i]! < current.length) current[row[i]!]!++;
  }
  const quota = computeQuotas(topo, targets.perPart, state.partCount, state.replicas, current);
  const p = new Placer(devices, topo, targets, quota, state, opts);
  p.run();
  return { moved: p.moved, assigned: p.assigned, passes: p.passes, targets, quota, topology: topo };
}

class Placer implements WalkState {
  moved = 0;
  assigned = 0;
  passes = 0;
  readonly cnt: Int32Array[];
  readonly maxPer: Int32Array[];
  private readonly touched: Uint8Array;
  /** The replica row of each partition that moved in this rebalance (-1: none), and its origin. */
  private readonly moveRow: Int8Array;
  private readonly moveOrigin: Uint16Array;
  private slots: Uint32Array;
  private origin: Uint16Array;
  private nSlots = 0;
  private readonly rnd: SeededRandom;
  private readonly cur: Int32Array;
  /** 1 for devices with weight > 0, by id. */
  readonly active: Uint8Array;
  private readonly R: number;
  private readonly P: number;
  private readonly minAgeMin: number;

  constructor(private readonly devices: ReadonlyArray<Device | undefined>, readonly topo: Topology,
    targets: Targets, readonly quota: Int32Array[], private readonly st: PlacementState,
    private readonly opts: PlacementOptions) {
    this.R = st.replicas;
    this.P = st.partCount;
    this.cnt = quota.map((q) => new Int32Array(q.length));
    this.maxPer = targets.perPart.map((pp) => Int32Array.from(pp, (x) => Math.max(0, Math.ceil(x - 1e-6))));
    this.touched = new Uint8Array(this.P);
    this.moveRow = new Int8Array(this.P).fill(-1);
    this.moveOrigin = new Uint16Array(this.P);
    this.slots = new Uint32Array(1024);
    this.origin = new Uint16Array(1024);
    this.rnd = new SeededRandom(opts.seed);
    this.cur = new Int32Array(this.R);
    this.active = Uint8Array.from(topo.weight[3]!, (w) => (w > 0 ? 1 : 0));
    this.minAgeMin = opts.minPartHours * 60;
  }

  run(): void {
    const { table } = this.st;
    const exists = new Uint8Array(NO_DEVICE + 1);
    this.devices.forEach((d, id) => { if (d) exists[id] = 1; });
    // Count per device, then roll up to the tiers (7,200 devices, not 3 million replicas).
    const c3 = this.cnt[3]!;
    for (let r = 0; r < this.R; r++) {
      const row = table[r]!;
      for (let p = 0; p < this.P; p++) if (exists[row[p]!]) c3[row[p]!]!++;
    }
    for (let d = 0; d < c3.length; d++) {
      if (c3[d] === 0) continue;
      for (let l = 0; l < 3; l++) this.cnt[l]![this.topo.nodeOf[l]![d]!]! += c3[d]!;
    }
    // Replicas without a usable device: partition-major, so each partition is placed whole.
    for (let p = 0; p < this.P; p++) {
      for (let r = 0; r < this.R; r++) {
        const d = table[r]![p]!;
        if (!exists[d]) {
          table[r]![p] = NO_DEVICE;
          this.push(r, p, d);
        }
      }
    }
    // Scan partitions in order from a seeded offset: partition ids are already hash-random, and a
    // sequential scan is several times faster than a shuffled one on 2^20 partitions (the tables
    // then stream through the cache instead of missing on every read).
    const start = this.rnd.below(this.P);
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      let gathered = this.gather(start, pass === 0, true);
      // Nothing fits a device below quota directly: move one replica anyway, so that the next
      // pass looks at partitions on the device that took it (a chain of moves).
      if (gathered === 0 && pass > 0) gathered = this.gather(start + pass * 7919, false, false);
      if (this.nSlots === 0) break;
      this.passes++;
      this.placeAll();
      if ((gathered === 0 && pass > 0) || this.excess() === 0) break;
    }
  }

  /** Partition-replicas above quota, summed over devices (weight-0 devices have quota 0). */
  private excess(): number {
    const c3 = this.cnt[3]!;
    const q3 = this.quota[3]!;
    let n = 0;
    for (let d = 0; d < c3.length; d++) if (c3[d]! > q3[d]!) n += c3[d]! - q3[d]!;
    return n;
  }

  /**
   * One replica per movable partition that should move. The first pass scans every partition
   * (dispersion can be wrong anywhere); later passes stop once no device is above quota.
   * Returns how many were gathered.
   */
  private gather(start: number, first: boolean, direct: boolean): number {
    const { table, movedAtMin } = this.st;
    const q3 = this.quota[3]!;
    const c3 = this.cnt[3]!;
    const cur = this.cur;
    const now = this.opts.nowMin;
    let over = this.excess();
    if (!first && over === 0) return 0;
    // Later passes fix leftovers: take only replicas that some device below quota could accept,
    // or the replica just bounces between full devices.
    const under = first || !direct ? undefined : this.underQuota();
    let n = 0;
    const mask = this.P - 1;
    for (let i = 0; i < this.P; i++) {
      if (!first && (over === 0 || (!direct && n > 0))) break;
      const p = (start + i) & mask;
      // A partition that already moved a replica in this rebalance may move that same replica
      // again (it is still one replica moving); an untouched one must have waited min_part_hours.
      const again = this.touched[p] !== 0;
      if (again ? first || this.moveRow[p]! < 0 : now - movedAtMin[p]! < this.minAgeMin) continue;
      for (let r = 0; r < this.R; r++) cur[r] = table[r]![p]!;
      let pick = -1;
      if (over > 0) {
        let best = 0;
        for (let r = 0; r < this.R; r++) {
          if (again && r !== this.moveRow[p]) continue;
          const d = cur[r]!;
          if (c3[d]! <= q3[d]!) continue;
          if (under && !this.fitsSomewhere(under, r)) continue;
          // Weight-0 devices (quota 0) first, then the device furthest above its quota.
          const score = q3[d] === 0 ? Infinity : (c3[d]! - q3[d]!) / q3[d]!;
          if (score > best) { best = score; pick = r; }
        }
      }
      if (first && (pick < 0 || q3[cur[pick]!]! > 0)) {
        const r = this.dispersionVictim();
        if (r >= 0) pick = r;
      }
      if (pick < 0) continue;
      const d = cur[pick]!;
      if (c3[d]! > q3[d]!) over--;
      this.add(d, -1);
      table[pick]![p] = NO_DEVICE;
      this.push(pick, p, d);
      n++;
    }
    return n;
  }

  /** Active devices below quota. */
  private underQuota(): number[] {
    const out: number[] = [];
    const c3 = this.cnt[3]!;
    const q3 = this.quota[3]!;
    for (let d = 0; d < c3.length; d++) if (this.active[d] && c3[d]! < q3[d]!) out.push(d);
    return out;
  }

  /** Whether one of `devs` could take replica `skip` of the partition loaded in `cur`. */
  private fitsSomewhere(devs: number[], skip: number): boolean {
    const cur = this.cur;
    next: for (const u of devs) {
      for (let s = 0; s < this.R; s++) if (cur[s] === u) continue next;
      for (let level = 0; level < 3; level++) {
        const nodeOf = this.topo.nodeOf[level]!;
        const node = nodeOf[u]!;
        let same = 0;
        for (let s = 0; s < this.R; s++) if (s !== skip && nodeOf[cur[s]!] === node) same++;
        if (same >= this.maxPer[level]![node]!) continue next;
      }
      return true;
    }
    return false;
  }

  /**
   * For the partition loaded in `cur`: a replica in a domain that holds more of the partition
   * than dispersion allows, or -1. Most partitions share no domain below the region, so a cheap
   * pairwise test comes first.
   */
  private dispersionVictim(): number {
    const cur = this.cur;
    const R = this.R;
    for (let level = 0; level < 3; level++) {
      const nodeOf = this.topo.nodeOf[level]!;
      let shared = false;
      for (let r = 1; r < R && !shared; r++) {
        for (let s = 0; s < r; s++) if (nodeOf[cur[r]!] === nodeOf[cur[s]!]) { shared = true; break; }
      }
      if (!shared) continue;
      const maxPer = this.maxPer[level]!;
      for (let r = 0; r < R; r++) {
        const node = nodeOf[cur[r]!]!;
        let same = 0;
        for (let s = 0; s < R; s++) if (nodeOf[cur[s]!] === node) same++;
        if (same <= maxPer[node]!) continue;
        // Move the copy on the fullest device of that domain.
        let pick = r;
        let best = -Infinity;
        for (let s = 0; s < R; s++) {
          const d = cur[s]!;
          if (nodeOf[d] !== node) continue;
          const excess = this.cnt[3]![d]! - this.quota[3]![d]!;
          if (excess > best) { best = excess; pick = s; }
        }
        return pick;
      }
    }
    return -1;
  }

  /**
   * Queues replica `r` of `p` (now on `d`, or NO_DEVICE) for placement. The origin recorded is
   * where the replica was before this rebalance, so a replica moved twice counts once and one
   * moved back counts not at all.
   */
  private push(r: number, p: number, d: number): void {
    if (this.nSlots === this.slots.length) {
      const grow = new Uint32Array(this.slots.length * 2);
      grow.set(this.slots);
      this.slots = grow;
      const growO = new Uint16Array(this.origin.length * 2);
      growO.set(this.origin);
      this.origin = growO;
    }
    let origin = d;
    if (this.touched[p] !== 0 && this.moveRow[p] === r) {
      origin = this.moveOrigin[p]!;
      if (origin === NO_DEVICE) this.assigned--;
      else if (origin !== d) this.moved--;
    } else {
      this.moveRow[p] = r;
      this.moveOrigin[p] = d;
    }
    this.touched[p] = 1;
    this.slots[this.nSlots] = r * this.P + p;
    this.origin[this.nSlots++] = origin;
  }

  private add(d: number, delta: number): void {
    this.cnt[3]![d]! += delta;
    for (let l = 0; l < 3; l++) this.cnt[l]![this.topo.nodeOf[l]![d]!]! += delta;
  }

  /**
   * Places every gathered slot, the least flexible first: a slot whose partition fits in only one
   * or two zones goes before one that fits anywhere, so that flexible slots fill whatever room
   * is left. In plain order flexible slots take room that constrained ones then lack, and every
   * such collision costs an extra move in a later pass.
   */
  private placeAll(): void {
    const flex = new Uint8Array(this.nSlots);
    let maxFlex = 0;
    for (let i = 0; i < this.nSlots; i++) {
      // A partition with several replicas to place (a new ring) is flexible by definition.
      const p = this.slots[i]! % this.P;
      let missing = 0;
      for (let r = 0; r < this.R; r++) if (this.st.table[r]![p] === NO_DEVICE) missing++;
      flex[i] = missing > 1 ? 255 : Math.min(254, this.openZones(p));
      if (flex[i]! > maxFlex) maxFlex = flex[i]!;
    }
    // Counting sort by flexibility (stable, so the gather order breaks ties).
    const start = new Uint32Array(maxFlex + 2);
    for (let i = 0; i < this.nSlots; i++) start[flex[i]! + 1]!++;
    for (let f = 1; f <= maxFlex + 1; f++) start[f]! += start[f - 1]!;
    const order = new Uint32Array(this.nSlots);
    for (let i = 0; i < this.nSlots; i++) order[start[flex[i]!]!++] = i;
    for (let k = 0; k < order.length; k++) this.placeSlot(order[k]!);
    this.nSlots = 0;
  }

  private placeSlot(i: number): void {
    const { table, movedAtMin } = this.st;
    const slot = this.slots[i]!;
    const r = Math.floor(slot / this.P);
    const p = slot - r * this.P;
    const cur = this.cur;
    let n = 0;
    for (let r = 0; r < this.R; r++) {
      const x = table[r]![p]!;
      if (x !== NO_DEVICE) cur[n++] = x;
    }
    const d = chooseDevice(this, p, cur, n, this.rnd.nextU32());
    table[r]![p] = d;
    this.add(d, 1);
    const was = this.origin[i]!;
    if (was === NO_DEVICE) this.assigned++;
    else if (was !== d) {
      this.moved++;
      movedAtMin[p] = this.opts.nowMin;
    }
  }

  /** Zones that could take one more replica of `p` within the region and zone limits. */
  private openZones(p: number): number {
    const { table } = this.st;
    const regionOf = this.topo.nodeOf[0]!;
    const zoneOf = this.topo.nodeOf[1]!;
    let open = 0;
    for (const region of this.topo.roots) {
      let inRegion = 0;
      for (let r = 0; r < this.R; r++) {
        const d = table[r]![p]!;
        if (d !== NO_DEVICE && regionOf[d] === region) inRegion++;
      }
      if (inRegion >= this.maxPer[0]![region]!) continue;
      for (const zone of this.topo.children[0]![region]!) {
        let inZone = 0;
        for (let r = 0; r < this.R; r++) {
          const d = table[r]![p]!;
          if (d !== NO_DEVICE && zoneOf[d] === zone) inZone++;
        }
        if (inZone < this.maxPer[1]![zone]! && inZone < this.topo.activeDevices[1]![zone]!) open++;
      }
    }
    return open;
  }
}
