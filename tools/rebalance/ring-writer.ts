/**
 * Writing a confirmed plan: each changed builder is saved, then its ring file written (both
 * atomically, builder first so that a crash leaves a builder that can write the ring again), then
 * the movement plan that `strata cluster status` measures progress against.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../common/index.js';
import { planFile, type MovementPlan } from '../movement/movement-files.js';
import type { RingPlan } from './rebalance-plan.js';
import type { Preview } from './preview.js';

/** Saves the changed builders and writes their ring files. @throws NO_SPACE, INTERNAL */
export async function writePlannedRings(plans: RingPlan[]): Promise<void> {
  for (const p of plans) {
    if (!p.changed) continue;
    await p.builder.save(p.builderFile);
    await p.builder.writeRing(p.ringFile);
  }
}

/** The ring files as written, to push them byte for byte. @throws NOT_FOUND */
export async function readRingFiles(plans: RingPlan[]): Promise<Array<{ name: string; data: Buffer }>> {
  const out: Array<{ name: string; data: Buffer }> = [];
  for (const p of plans) out.push({ name: p.name, data: await readFile(p.ringFile) });
  return out;
}

/** The movement plan for a preview (shared format, read by `strata cluster status`). */
export function movementPlanOf(kind: MovementPlan['kind'], plans: RingPlan[], preview: Preview, startedMs: number, drainDevices?: string[]): MovementPlan {
  const version = (name: string): number => {
    const p = plans.find((x) => x.name === name);
    return p ? (p.changed ? p.builder.version : p.oldVersion) : 0;
  };
  return {
    startedMs, kind,
    ringVersions: { account: version('account'), container: version('container'), object: version('object') },
    expected: { partitions: preview.total.partitions, bytes: preview.total.bytes, listingPartitions: preview.total.listingPartitions },
    ...(drainDevices ? { drain: { devices: drainDevices } } : {}),
  };
}

/** Writes `<ringDir>/movement-plan.json` atomically. @throws NO_SPACE, INTERNAL */
export async function writeMovementPlan(ringDir: string, plan: MovementPlan): Promise<void> {
  await writeFileAtomic(planFile(ringDir), `${JSON.stringify(plan, null, 2)}\n`);
}
