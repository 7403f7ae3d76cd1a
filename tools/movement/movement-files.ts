/**
 * The two movement files shared by the operator tools, both in the cluster's ring folder:
 *   movement-plan.json  what the last rebalance/drain/remove expected to move (written by
 *                       `strata cluster rebalance`, read by `strata cluster status`)
 *   movement.json       the cluster-wide movement control: rate limit and pause (written by
 *                       `throttle`, `pause`, `resume`; pushed to every node as its share)
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError, writeFileAtomic } from '../../common/index.js';

export interface MovementPlan {
  startedMs: number;
  kind: 'rebalance' | 'drain' | 'remove';
  ringVersions: { account: number; container: number; object: number };
  expected: { partitions: number; bytes: number; listingPartitions: number };
  drain?: { devices: string[] };
}

/** Cluster-wide control: `maxBytesPerSec` over all nodes (0: unlimited). */
export interface MovementControl {
  maxBytesPerSec: number;
  paused: boolean;
}

export const DEFAULT_CONTROL: Readonly<MovementControl> = Object.freeze({ maxBytesPerSec: 0, paused: false });

export function planFile(ringDir: string): string {
  return join(ringDir, 'movement-plan.json');
}

export function controlFile(ringDir: string): string {
  return join(ringDir, 'movement.json');
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StoreError('INTERNAL', `Cannot read "${file}": ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new StoreError('CORRUPT', `Cannot parse "${file}": not JSON`);
  }
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/**
 * The movement plan, or undefined when no movement was ever planned.
 * @throws CORRUPT when the file is not a plan
 */
export async function readMovementPlan(ringDir: string): Promise<MovementPlan | undefined> {
  const file = planFile(ringDir);
  const raw = await readJson(file) as Partial<MovementPlan> | undefined;
  if (raw === undefined) return undefined;
  const e = raw.expected;
  if (typeof raw !== 'object' || raw === null || !isCount(raw.startedMs) || !e
    || !isCount(e.partitions) || !isCount(e.bytes) || !isCount(e.listingPartitions)) {
    throw new StoreError('CORRUPT', `Cannot use "${file}": not a movement plan`);
  }
  return raw as MovementPlan;
}

/**
 * The cluster-wide movement control (the default, unlimited and running, when never set).
 * @throws CORRUPT when the file is malformed
 */
export async function readMovementControl(ringDir: string): Promise<MovementControl> {
  const file = controlFile(ringDir);
  const raw = await readJson(file) as Partial<MovementControl> | undefined;
  if (raw === undefined) return { ...DEFAULT_CONTROL };
  if (typeof raw !== 'object' || raw === null || !isCount(raw.maxBytesPerSec) || typeof raw.paused !== 'boolean') {
    throw new StoreError('CORRUPT', `Cannot use "${file}": expected {"maxBytesPerSec": n, "paused": bool}`);
  }
  return { maxBytesPerSec: raw.maxBytesPerSec, paused: raw.paused };
}

/** Writes the control file atomically. @throws NO_SPACE, INTERNAL */
export async function writeMovementControl(ringDir: string, control: MovementControl): Promise<void> {
  await writeFileAtomic(controlFile(ringDir), `${JSON.stringify({ maxBytesPerSec: control.maxBytesPerSec, paused: control.paused }, null, 2)}\n`);
}

/** One node's share of a cluster-wide rate (rounded up so the sum never falls short; 0 stays 0). */
export function nodeShare(maxBytesPerSec: number, nodeCount: number): number {
  if (maxBytesPerSec <= 0) return 0;
  return Math.ceil(maxBytesPerSec / Math.max(1, nodeCount));
}
