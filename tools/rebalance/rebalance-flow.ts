/**
 * runRebalanceFlow: the one procedure behind `rebalance`, `drain` and `remove-node`: check that
 * the previous movement has finished, plan on builder clones, refuse unsafe plans, show the
 * preview, confirm, then save builders, write ring files and the movement plan, and push the
 * rings to every storage node of the old and new rings. I/O goes through `FlowIO` so tests drive
 * it with fakes.
 */
import { StoreError } from '../../common/index.js';
import type { MovementControl, MovementPlan } from '../movement/movement-files.js';
import type { MovementSnapshot } from '../movement/movement-status.js';
import { formatBytes } from '../movement/movement-units.js';
import { planRebalance, type PlanOptions, type RingPlan } from './rebalance-plan.js';
import { buildPreview, usageSources, type Preview } from './preview.js';
import { formatPreview } from './preview-format.js';
import { movementRefusal, quorumRefusal, destinationRefusal } from './safety.js';
import { gatherUsage, pushRings, type MovementNodes, type PushResult } from './movement-nodes.js';
import { movementPlanOf, readRingFiles, writeMovementPlan, writePlannedRings } from './ring-writer.js';
import { nodeAddress, type RingSet } from './ring-set.js';
import { emptyWeightlessNodes } from './empty-nodes.js';

export interface FlowIO {
  /** Movement status of every node of the rings plus `extra` addresses. */
  gather(extra: Array<{ ip: string; port: number }>): Promise<MovementSnapshot>;
  nodes: MovementNodes;
  readControl(): Promise<MovementControl>;
  /** Human output, one or more lines. */
  say(text: string): void;
  /** Asks a yes/no question on the terminal; undefined when there is none. */
  ask: ((question: string) => Promise<boolean>) | undefined;
  nowMs(): number;
}

export interface FlowRequest {
  kind: MovementPlan['kind'];
  yes: boolean;
  dryRun: boolean;
  force: boolean;
  seed?: number;
  edit?: PlanOptions['edit'];
  /** Drained disks ("ip:port/device") for the movement plan. */
  drainDevices?: string[];
  /** Addresses of nodes being removed: their failing to take the new rings is expected. */
  removing?: string[];
  /** Status gathered already (remove-node checks it first). */
  snapshot?: MovementSnapshot;
}

export interface FlowResult {
  outcome: 'nothing-to-move' | 'dry-run' | 'declined' | 'pushed';
  preview: Preview;
  plans: RingPlan[];
  pushed: PushResult[];
  /** Nodes that did not take the new rings (removed nodes excluded). */
  failedPushes: PushResult[];
  /** Nodes with weight 0 everywhere that hold no partition of the new rings (when nothing moves). */
  emptyNodes: Array<{ name: string; address: string }>;
  warnings: string[];
}

const refuse = (reason: string | undefined): void => {
  if (reason !== undefined) throw new StoreError('PRECONDITION_FAILED', reason);
};

/** Every node address of the builders: nodes only in a builder (just added) are asked too. */
export function builderAddresses(set: RingSet): Array<{ ip: string; port: number }> {
  const out = new Map<string, { ip: string; port: number }>();
  for (const r of set.rings) for (const d of r.builder.devices) if (d) out.set(nodeAddress(d), { ip: d.ip, port: d.port });
  return [...out.values()];
}

/** Every node of the old and new rings, with the name messages use. */
function pushTargets(plans: RingPlan[]): Array<{ ip: string; port: number; node: string }> {
  const out = new Map<string, { ip: string; port: number; node: string }>();
  for (const p of plans) {
    for (const d of [...p.oldDevices, ...p.newDevices]) {
      if (!d) continue;
      const prev = out.get(nodeAddress(d));
      if (!prev || (prev.node === nodeAddress(d) && d.meta)) out.set(nodeAddress(d), { ip: d.ip, port: d.port, node: d.meta || nodeAddress(d) });
    }
  }
  return [...out.values()].sort((a, b) => a.ip.localeCompare(b.ip) || a.port - b.port);
}

function formatPush(r: PushResult, removing: readonly string[]): string {
  const versions = Object.entries(r.versions).map(([n, v]) => `${n} v${v}`).join(', ');
  const name = r.node === r.address ? r.address : `${r.node} ${r.address}`;
  if (r.error === undefined) return `  ${name}: uses ${versions}`;
  if (removing.includes(r.address)) return `  ${name}: did not answer (it is being removed: expected)`;
  return `  ${name}: did not take the new rings${versions ? ` (got ${versions})` : ''}: ${r.error}; it must get them later`;
}

/**
 * Runs the procedure. Refusals throw; everything else is reported in the result.
 * @throws PRECONDITION_FAILED (movement not finished, quorum, silent destination),
 * INVALID_ARGUMENT (no terminal to confirm on and no --yes; bad plan), NO_SPACE, INTERNAL
 */
export async function runRebalanceFlow(set: RingSet, io: FlowIO, req: FlowRequest): Promise<FlowResult> {
  const snapshot = req.snapshot ?? await io.gather(builderAddresses(set));
  if (!req.force) refuse(movementRefusal(snapshot));
  // Finished movement means every replica sits where the ring in use says: no partition is in
  // flight, so min_part_hours protects nothing and a second change within the hour is safe.
  // Forced (movement maybe still under way): min_part_hours keeps applying.
  const pretend = !req.force && snapshot.done;
  const plans = planRebalance(set, {
    pretendMinPartHoursPassed: pretend, ...(req.seed !== undefined ? { seed: req.seed } : {}), ...(req.edit ? { edit: req.edit } : {}),
  });
  refuse(quorumRefusal(plans));
  refuse(destinationRefusal(plans, snapshot));

  const usage = await gatherUsage(io.nodes, usageSources(plans));
  const preview = buildPreview(plans, usage.usage, usage.unknown, await io.readControl());
  const warnings = [
    ...usage.errors.map((e) => `cannot read partition usage from ${e}`),
    ...plans.flatMap((p) => (p.changed ? p.report.warnings.map((w) => `${p.name} ring: ${w}`) : [])),
  ];
  io.say(formatPreview(preview));
  for (const w of warnings) io.say(`Warning: ${w}`);
  const result: FlowResult = { outcome: 'dry-run', preview, plans, pushed: [], failedPushes: [], emptyNodes: [], warnings };

  if (!plans.some((p) => p.changed)) {
    result.outcome = 'nothing-to-move';
    if (snapshot.done) result.emptyNodes = emptyWeightlessNodes(plans);
    io.say('Nothing to move: the rings already place every partition-replica; nothing was written or pushed');
    return result;
  }
  if (req.dryRun) {
    io.say('Dry run: nothing was written or pushed');
    return result;
  }
  const replicas = preview.total.partitions + preview.total.listingPartitions;
  if (!req.yes) {
    if (!io.ask) {
      throw new StoreError('INVALID_ARGUMENT', 'Cannot ask for confirmation: standard input is not a terminal; use --yes to go ahead without asking');
    }
    if (!(await io.ask(`Move ${replicas} partition-replicas (${formatBytes(preview.total.bytes)})? [y/N] `))) {
      result.outcome = 'declined';
      io.say('Nothing was changed');
      return result;
    }
  }

  await writePlannedRings(plans);
  await writeMovementPlan(set.ringDir, movementPlanOf(req.kind, plans, preview, io.nowMs(), req.drainDevices));
  const removing = req.removing ?? [];
  result.pushed = await pushRings(io.nodes, pushTargets(plans), await readRingFiles(plans));
  result.failedPushes = result.pushed.filter((r) => r.error !== undefined && !removing.includes(r.address));
  result.outcome = 'pushed';
  io.say(`Wrote the new rings and ${set.ringDir}/movement-plan.json; the storage nodes now use:`);
  for (const r of result.pushed) io.say(formatPush(r, removing));
  if (result.failedPushes.length > 0) {
    io.say(`${result.failedPushes.length} node${result.failedPushes.length > 1 ? 's' : ''} did not take the new rings: they must get them later (until then they serve the old placement)`);
  }
  return result;
}
