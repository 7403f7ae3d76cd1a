/**
 * Invariants of a placement, each violation explained in words an operator can act on:
 * every partition has `replicas` distinct, existing devices; no partition keeps replicas closer
 * together than the failure domains allow; devices are well formed and unique.
 */
import { checkDevice, deviceLabel, NO_DEVICE, type Device } from './device.js';
import { computeBalance, computeDispersion } from './dispersion.js';

export interface Violation {
  /** Short machine-readable kind, e.g. "unassigned", "duplicate-device", "dispersion". */
  kind: string;
  /** "error" breaks an invariant; "warning" is a state that resolves with time or a rebalance. */
  severity: 'error' | 'warning';
  message: string;
}

export interface PlacementView {
  devices: ReadonlyArray<Device | undefined>;
  table: ReadonlyArray<Uint16Array> | undefined;
  replicas: number;
  partPower: number;
  pendingRemoval?: readonly number[];
}

const EXAMPLES = 3;

/** Checks every invariant; returns violations (empty when all hold). */
export function validatePlacement(v: PlacementView): Violation[] {
  const out: Violation[] = [];
  const err = (kind: string, message: string): void => { out.push({ kind, severity: 'error', message }); };
  const warn = (kind: string, message: string): void => { out.push({ kind, severity: 'warning', message }); };
  const names = new Map<string, number>();
  v.devices.forEach((d, i) => {
    if (!d) return;
    try {
      checkDevice(d);
    } catch (e) {
      err('bad-device', (e as Error).message);
    }
    if (d.id !== i) err('bad-device', `Device at index ${i} has id ${d.id}`);
    const key = `${d.ip}:${d.port}/${d.device}`;
    if (names.has(key)) err('duplicate-device', `Devices ${names.get(key)} and ${d.id} are both "${key}"`);
    names.set(key, d.id);
  });
  if (!v.table) {
    warn('not-built', 'The ring has never been rebalanced');
    return out;
  }
  const partCount = 2 ** v.partPower;
  if (v.table.length !== v.replicas) err('replica-count', `The table has ${v.table.length} replica rows, expected ${v.replicas}`);
  const missing: number[] = [];
  const dupes: number[] = [];
  let missingCount = 0;
  let dupeCount = 0;
  for (let p = 0; p < partCount; p++) {
    let partMissing = false;
    let partDupe = false;
    for (let r = 0; r < v.table.length; r++) {
      const d = v.table[r]![p]!;
      if (d === NO_DEVICE || !v.devices[d]) partMissing = true;
      for (let s = 0; s < r; s++) if (v.table[s]![p] === d) partDupe = true;
    }
    if (partMissing && missingCount++ < EXAMPLES) missing.push(p);
    if (partDupe && dupeCount++ < EXAMPLES) dupes.push(p);
  }
  if (missingCount) err('unassigned', `${missingCount} partitions have a replica on no device or an unknown one (e.g. ${missing.join(', ')}); rebalance`);
  if (dupeCount) err('duplicate-replica', `${dupeCount} partitions have two replicas on one device (e.g. ${dupes.join(', ')})`);
  if (missingCount || dupeCount) return out;
  const disp = computeDispersion(v.devices, v.table);
  if (disp.partitions > 0) {
    const tiers = Object.entries(disp.byTier).filter(([, n]) => n > 0).map(([t, n]) => `${n} by ${t}`).join(', ');
    const worst = disp.worst.slice(0, EXAMPLES).map((w) => `${w.tier} "${w.name}" (${w.partitions})`).join(', ');
    err('dispersion', `${disp.partitions} partitions keep more replicas in one failure domain than the layout requires (${tiers}); worst: ${worst}`);
  }
  const bal = computeBalance(v.devices, v.table);
  if (bal.onZeroWeight > 0) warn('draining', `${bal.onZeroWeight} partition-replicas are still on weight-0 devices; rebalance after min_part_hours`);
  for (const id of v.pendingRemoval ?? []) {
    const d = v.devices[id];
    if (d) warn('pending-removal', `${deviceLabel(d)} is marked for removal; rebalance to move its ${bal.parts[id]} partition-replicas`);
  }
  return out;
}
