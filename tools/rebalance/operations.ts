/**
 * The three operator operations on top of the rebalance flow: `rebalance` (builders as they
 * are), `drain` (weight 0 on a node's or one disk's devices) and `remove-node` (only once the node
 * holds nothing). Each returns the flow's result plus what to tell the operator next.
 */
import { StoreError } from '../../common/index.js';
import { runRebalanceFlow, builderAddresses, type FlowIO, type FlowResult } from './rebalance-flow.js';
import { builderDevices, resolveTarget, targetDeviceIds, type Target } from './drain-target.js';
import { removalRefusal, partitionsOn } from './safety.js';
import { replicasAssignedTo, switchOffMessage, deviceEmptyMessage, emptyWeightlessNodes } from './empty-nodes.js';
import { nodeAddress, deviceKey, type RingSet } from './ring-set.js';

export interface OperationOptions {
  yes: boolean;
  dryRun: boolean;
  force: boolean;
  seed?: number;
}

export interface OperationResult extends FlowResult {
  kind: 'rebalance' | 'drain' | 'remove';
  /** The drained or removed node or disk. */
  target?: Target;
  /** Lines for the operator after the flow (what to do next). */
  next: string[];
}

/** `strata cluster rebalance`: the builders as they are (e.g. after add-node). */
export async function rebalanceOperation(set: RingSet, io: FlowIO, o: OperationOptions): Promise<OperationResult> {
  const r = await runRebalanceFlow(set, io, { kind: 'rebalance', ...o });
  const blockAddresses = new Set((set.block?.devices ?? []).filter((d) => d !== undefined).map((d) => nodeAddress(d)));
  return { ...r, kind: 'rebalance', next: r.emptyNodes.map((n) => switchOffMessage(n.name, blockAddresses.has(n.address))) };
}

/** True when the block ring still has a device on the target. */
export function inBlockRing(set: RingSet, t: Target): boolean {
  return (set.block?.devices ?? []).some((d) => d !== undefined
    && (t.kind === 'node' ? t.addresses.includes(nodeAddress(d)) : t.deviceKeys.includes(deviceKey(d))));
}

/** What to say about a drain target once nothing is placed on it (or what is left). */
export function drainNextSteps(t: Target, assigned: number, inBlock: boolean): string[] {
  if (assigned > 0) {
    return [`${t.label} still has ${assigned} partition-replicas in the new rings (min_part_hours held them back); run "strata cluster rebalance" again once this movement is done`];
  }
  return [t.kind === 'node' ? switchOffMessage(t.label, inBlock) : deviceEmptyMessage(t.label, inBlock)];
}

/**
 * `strata cluster drain NODE|DEVICE`: weight 0 on the target's devices in the three rings, then
 * the rebalance flow. @throws NOT_FOUND for an unknown target, and what the flow throws
 */
export async function drainOperation(set: RingSet, io: FlowIO, spec: string, o: OperationOptions): Promise<OperationResult> {
  const t = resolveTarget(spec, set.rings.map((r) => builderDevices(r.builder)));
  if (inBlockRing(set, t)) {
    io.say(`Note: ${t.label} is still a device of the block ring; its block extents stay (they do not move yet), only object and listing data moves`);
  }
  const r = await runRebalanceFlow(set, io, {
    kind: 'drain', ...o, drainDevices: t.deviceKeys,
    edit: (_name, b) => { for (const id of targetDeviceIds(b, t)) b.setWeight(id, 0); },
  });
  const assigned = replicasAssignedTo(r.plans, t.kind === 'node' ? { addresses: t.addresses } : { deviceKeys: t.deviceKeys });
  // Until the data has moved, only "what is left in the rings" is known: the switch-off advice
  // comes after --watch (or from a later rebalance) once the movement is done.
  const next = r.outcome === 'nothing-to-move' || assigned > 0 ? drainNextSteps(t, assigned, inBlockRing(set, t)) : [];
  return { ...r, kind: 'drain', target: t, next };
}

/**
 * What to tell the operator once the movement an operation started is done (after --watch):
 * a drained node or disk that the new rings no longer use holds no data now; likewise any node
 * whose devices all weigh 0.
 */
export function stepsAfterMovement(set: RingSet, r: OperationResult): string[] {
  if (r.kind === 'remove') return [];
  if (r.kind === 'drain' && r.target) {
    const t = r.target;
    const assigned = replicasAssignedTo(r.plans, t.kind === 'node' ? { addresses: t.addresses } : { deviceKeys: t.deviceKeys });
    // Replicas still placed on it were already reported (min_part_hours held them back).
    return assigned > 0 ? [] : drainNextSteps(t, 0, inBlockRing(set, t));
  }
  const blockAddresses = new Set((set.block?.devices ?? []).filter((d) => d !== undefined).map((d) => nodeAddress(d)));
  return emptyWeightlessNodes(r.plans).map((n) => switchOffMessage(n.name, blockAddresses.has(n.address)));
}

/**
 * `strata cluster remove-node NODE`: refused while the node answers and holds data, while it
 * does not answer (unless forced), or while the block ring uses it; else its devices leave the
 * three builders and the rebalance flow runs.
 * @throws NOT_FOUND, INVALID_ARGUMENT (a device instead of a node), PRECONDITION_FAILED
 */
export async function removeNodeOperation(set: RingSet, io: FlowIO, spec: string, o: OperationOptions): Promise<OperationResult> {
  const t = resolveTarget(spec, set.rings.map((r) => builderDevices(r.builder)), { nodeOnly: true });
  const snapshot = await io.gather(builderAddresses(set));
  const listing = set.rings.filter((r) => r.name !== 'object').reduce((n, r) => n + partitionsOn(r.current, t.addresses), 0);
  const reason = removalRefusal(t, snapshot, { block: set.block, listingPartitionsInRings: listing, force: o.force });
  if (reason !== undefined) throw new StoreError('PRECONDITION_FAILED', reason);
  const r = await runRebalanceFlow(set, io, {
    kind: 'remove', ...o, snapshot, removing: t.addresses,
    edit: (_name, b) => { for (const id of targetDeviceIds(b, t)) b.removeDevice(id); },
  });
  const next = r.outcome === 'pushed' ? [`node ${t.label} is no longer in the account, container and object rings`] : [];
  return { ...r, kind: 'remove', target: t, next };
}
