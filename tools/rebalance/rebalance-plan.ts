/**
 * planRebalance: what a rebalance (or drain, or removal) would do, computed on clones of the
 * builders so that nothing is written until the operator confirms. Each ring's new placement is
 * compared with the ring file the nodes use now (ring-diff.ts), disks matched by "ip:port/device"
 * because ids may have been reused.
 */
import { StoreError } from '../../common/index.js';
import { type Device, type RebalanceReport, type RingBuilder } from '../../ring/index.js';
import { diffPlacement, type RingDiff } from '../../ring/index.js';
import { deviceKey, type LoadedRing, type MovedRingName, type RingSet } from './ring-set.js';

/** One ring's planned change. */
export interface RingPlan {
  name: MovedRingName;
  builderFile: string;
  ringFile: string;
  /** The rebalanced clone: saved as is when the operator confirms. */
  builder: RingBuilder;
  report: RebalanceReport;
  /** Devices of the placement in use (ids as in `diff.moveFrom`). */
  oldDevices: ReadonlyArray<Device | undefined>;
  /** Devices of the new placement (ids as in `diff.moveTo`). */
  newDevices: ReadonlyArray<Device | undefined>;
  oldVersion: number;
  diff: RingDiff;
  /** True when the ring file must be rewritten: replicas move or devices changed. */
  changed: boolean;
}

export interface PlanOptions {
  /**
   * Make every partition movable now. Only when the previous movement has finished: then every
   * replica is where the ring says, so min_part_hours protects nothing.
   */
  pretendMinPartHoursPassed: boolean;
  seed?: number;
  nowMs?: number;
  /** Changes to make on each builder clone before it is rebalanced (drain, removal). */
  edit?: (name: MovedRingName, builder: RingBuilder) => void;
}

/** Maps old device ids to the ids of the same disks ("ip:port/device") in the new list. */
export function matchDevices(oldDevices: ReadonlyArray<Device | undefined>, newDevices: ReadonlyArray<Device | undefined>): Int32Array {
  const byKey = new Map<string, number>();
  for (const d of newDevices) if (d) byKey.set(deviceKey(d), d.id);
  const map = new Int32Array(oldDevices.length).fill(-1);
  for (const d of oldDevices) if (d) map[d.id] = byKey.get(deviceKey(d)) ?? -1;
  return map;
}

/** True when the two device lists differ in any disk or in a field nodes use. */
export function devicesDiffer(a: ReadonlyArray<Device | undefined>, b: ReadonlyArray<Device | undefined>): boolean {
  const describe = (list: ReadonlyArray<Device | undefined>): string[] => list
    .filter((d): d is Device => d !== undefined)
    .map((d) => `${d.id} ${deviceKey(d)} ${d.region} ${d.zone} ${d.weight} ${d.meta}`)
    .sort();
  const x = describe(a);
  const y = describe(b);
  return x.length !== y.length || x.some((s, i) => s !== y[i]);
}

function planOne(r: LoadedRing, opts: PlanOptions): RingPlan {
  const builder = r.builder.clone();
  opts.edit?.(r.name, builder);
  if (opts.pretendMinPartHoursPassed) builder.pretendMinPartHoursPassed();
  let report: RebalanceReport;
  try {
    report = builder.rebalance({ ...(opts.seed !== undefined ? { seed: opts.seed } : {}), ...(opts.nowMs !== undefined ? { nowMs: opts.nowMs } : {}) });
  } catch (err) {
    if (err instanceof StoreError) throw new StoreError(err.code, `Cannot rebalance the ${r.name} ring: ${err.message}`);
    throw err;
  }
  // Compare with what the nodes use (the ring file); without one, with the builder as saved.
  const oldTable = r.current ? r.current.replicaTable() : r.builder.table;
  const oldDevices = r.current ? r.current.devices : r.builder.devices;
  const newDevices = builder.devices;
  const diff = diffPlacement(oldTable, builder.table!, matchDevices(oldDevices, newDevices));
  return {
    name: r.name, builderFile: r.builderFile, ringFile: r.ringFile, builder, report, oldDevices, newDevices,
    oldVersion: r.current?.version ?? r.builder.version, diff,
    changed: diff.moveCount > 0 || devicesDiffer(oldDevices, newDevices),
  };
}

/**
 * Rebalances clones of the set's builders and compares each with the ring in use.
 * @throws INVALID_ARGUMENT (e.g. fewer weighted devices than replicas) naming the ring;
 * NOT_FOUND from `edit`
 */
export function planRebalance(set: RingSet, opts: PlanOptions): RingPlan[] {
  return set.rings.map((r) => planOne(r, opts));
}

/** Partition-replicas that move in the plans: object ones and listing (account + container) ones. */
export function countMoves(plans: RingPlan[]): { objectReplicas: number; listingReplicas: number } {
  let objectReplicas = 0;
  let listingReplicas = 0;
  for (const p of plans) {
    if (p.name === 'object') objectReplicas += p.diff.moveCount;
    else listingReplicas += p.diff.moveCount;
  }
  return { objectReplicas, listingReplicas };
}
