/**
 * When a drained node can be switched off: every one of its devices has weight 0 and the new
 * rings place no partition-replica on it. (That the data has also left it is what the movement
 * status says once it is done.)
 */
import { NO_DEVICE } from '../../ring/index.js';
import type { RingPlan } from './rebalance-plan.js';
import { nodeAddress } from './ring-set.js';

/** Partition-replicas the new rings place on devices of these nodes (or on these disks). */
export function replicasAssignedTo(plans: RingPlan[], match: { addresses?: readonly string[]; deviceKeys?: readonly string[] }): number {
  let n = 0;
  for (const p of plans) {
    const hit = new Uint8Array(p.newDevices.length);
    let any = false;
    for (const d of p.newDevices) {
      if (!d) continue;
      const key = `${nodeAddress(d)}/${d.device}`;
      if (match.addresses?.includes(nodeAddress(d)) || match.deviceKeys?.includes(key)) { hit[d.id] = 1; any = true; }
    }
    if (!any) continue;
    for (const row of p.builder.table ?? []) {
      for (let part = 0; part < row.length; part++) {
        const id = row[part]!;
        if (id !== NO_DEVICE && hit[id]) n++;
      }
    }
  }
  return n;
}

/** Nodes whose devices all weigh 0 and hold no replica in the new rings (name: id, else address). */
export function emptyWeightlessNodes(plans: RingPlan[]): Array<{ name: string; address: string }> {
  const weighted = new Set<string>();
  const names = new Map<string, string>();
  for (const p of plans) {
    for (const d of p.newDevices) {
      if (!d) continue;
      const a = nodeAddress(d);
      if (d.weight > 0) weighted.add(a);
      if (!names.has(a) || d.meta) names.set(a, d.meta || a);
    }
  }
  const out: Array<{ name: string; address: string }> = [];
  for (const [address, name] of names) {
    if (weighted.has(address)) continue;
    if (replicasAssignedTo(plans, { addresses: [address] }) === 0) out.push({ name, address });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** The operator's next step once a node holds nothing (unless the block ring still uses it). */
export function switchOffMessage(name: string, inBlockRing = false): string {
  if (inBlockRing) return `node ${name} holds no object or listing data, but the block ring still uses it: keep it running (block extents do not move yet)`;
  return `node ${name} holds no data: it can be switched off; then \`strata cluster remove-node ${name}\``;
}

/** The same for one drained disk. */
export function deviceEmptyMessage(key: string, inBlockRing = false): string {
  if (inBlockRing) return `device ${key} holds no object or listing data, but the block ring still uses it (block extents do not move yet)`;
  return `device ${key} holds no data: it can be unmounted and removed from the rings`;
}
