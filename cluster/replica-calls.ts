/**
 * The two ways a replicated request meets its nodes, shared by objects, containers and accounts:
 * - reads go to one node at a time (healthy primaries, then the previous ring's primaries while
 *   data moves, then healthy handoffs, error-limited devices last) until one answers;
 * - writes go to every replica slot at once, a slot whose node is down moving on to a spare
 *   handoff; the outcomes are reduced by quorum (quorum.ts).
 * Every node fault is reported to the error limiter, every answer clears it.
 */
import { StoreError, type Logger } from '../common/index.js';
import { isNodeFault, type ErrorLimiter } from './error-limiter.js';
import type { NodeClient } from './node-client.js';
import type { NodeClientPool } from './node-client-pool.js';
import { deviceKey, type Placement, type PlacedNode, type PlacementResult } from './placement.js';
import { isDefinitive, quorumSize, reduceOutcomes, type NodeOutcome } from './quorum.js';

export interface ReplicaDeps {
  pool: NodeClientPool;
  limiter: ErrorLimiter;
  log: Logger;
}

export type NodeCall<T> = (client: NodeClient, node: PlacedNode) => Promise<T>;

/** Any thrown value as a StoreError (INTERNAL unless it already is one). */
export function asStoreError(err: unknown): StoreError {
  return err instanceof StoreError ? err : new StoreError('INTERNAL', err instanceof Error ? err.message : String(err), { cause: err });
}

/** One node's answer (device `key`) as an outcome, keeping the error limiter informed. */
export async function outcomeOf<T>(limiter: ErrorLimiter, key: string, answer: Promise<T>): Promise<NodeOutcome<T>> {
  try {
    const value = await answer;
    limiter.recordSuccess(key);
    return { ok: true, node: key, value };
  } catch (err) {
    const error = asStoreError(err);
    limiter.recordError(key, error.code);
    return { ok: false, node: key, error };
  }
}

/** Calls one node, keeping the error limiter informed. */
export async function callNode<T>(deps: ReplicaDeps, node: PlacedNode, call: NodeCall<T>): Promise<NodeOutcome<T>> {
  const key = deviceKey(node.device);
  const outcome = await outcomeOf(deps.limiter, key, Promise.resolve().then(() => call(deps.pool.get(node.device.ip, node.device.port), node)));
  if (!outcome.ok && isNodeFault(outcome.error.code)) deps.log.debug({ device: key, code: outcome.error.code, err: outcome.error.message }, 'replica failed');
  return outcome;
}

/** What the nodes asked so far for one read said, when none had it. */
interface ReadTally {
  tried: Set<string>;
  notFound?: StoreError;
  /** NOT_FOUND answers of current primaries (previous primaries and handoffs prove less). */
  primaryNotFound: number;
  faults: string[];
}

function tallyOutcome<T>(tally: ReadTally, node: PlacedNode, outcome: Extract<NodeOutcome<T>, { ok: false }>, action: string): void {
  const { error } = outcome;
  if (error.code === 'NOT_FOUND') {
    tally.notFound ??= new StoreError('NOT_FOUND', `${action}: not found`, { cause: error });
    if (!node.handoff && !node.previous) tally.primaryNotFound++;
  } else if (isDefinitive(error.code)) {
    throw error;
  } else {
    tally.faults.push(`${outcome.node}: ${error.code}`);
  }
}

/**
 * Goes on through `order` (skipping nodes already tried) until a node answers.
 * @throws as readFirst
 */
async function readRest<T>(
  deps: ReplicaDeps, order: PlacedNode[], replicaCount: number, call: NodeCall<T>, action: string, tally: ReadTally,
): Promise<T> {
  const need = quorumSize(replicaCount);
  for (const node of order) {
    const key = deviceKey(node.device);
    if (tally.tried.has(key)) continue;
    // A quorum of primaries said "not found" (a tombstone, or never written): a handoff's copy
    // would be stale, as after a delete. Previous primaries are still asked: while data moves,
    // new primaries answer "not found" until it has arrived.
    if (node.handoff && tally.primaryNotFound >= need && tally.notFound) throw tally.notFound;
    tally.tried.add(key);
    const outcome = await callNode(deps, node, call);
    if (outcome.ok) return outcome.value;
    tallyOutcome(tally, node, outcome, action);
  }
  // Others saying "not found" prove nothing while every primary was unreachable.
  if (tally.notFound && tally.primaryNotFound > 0) throw tally.notFound;
  throw new StoreError('QUORUM_NOT_MET', `${action}: no replica answered (${tally.faults.join(', ') || 'no devices'})`);
}

/**
 * Reads from the first node that answers: every primary in turn (NOT_FOUND from one means "try
 * the next": a newly assigned primary may not have the data yet), then the previous ring's
 * primaries, then handoffs. NOT_FOUND is trusted once a quorum of primaries said so and nobody
 * else had it (the object may sit on a handoff when primaries were down at write time, but a
 * deleted object must not come back from a stale handoff).
 * @throws NOT_FOUND when nodes (a primary among them) said so and none had it; a definitive
 *   code (e.g. RANGE_NOT_SATISFIABLE) at once; QUORUM_NOT_MET when no primary answered
 */
export async function readFirst<T>(
  deps: ReplicaDeps, placement: Placement, p: PlacementResult, call: NodeCall<T>, action: string,
): Promise<T> {
  return readRest(deps, placement.readOrder(p), p.replicaCount, call, action, { tried: new Set(), primaryNotFound: 0, faults: [] });
}

/**
 * Calls every replica slot at once; a slot whose node fails with a node fault is retried on the
 * next spare handoff. Returns every outcome (failed attempts included) for `reduceOutcomes`.
 */
export async function writeAll<T>(
  deps: ReplicaDeps, placement: Placement, p: PlacementResult, call: NodeCall<T>,
): Promise<Array<NodeOutcome<T>>> {
  const { targets, spares } = placement.writeTargets(p);
  const outcomes: Array<NodeOutcome<T>> = [];
  await Promise.all(targets.map(async (target) => {
    let node: PlacedNode | undefined = target;
    while (node) {
      const outcome = await callNode(deps, node, call);
      outcomes.push(outcome);
      if (outcome.ok || !isNodeFault(outcome.error.code)) return;
      const next = spares.shift();
      node = next ? { device: next, slot: target.slot, handoff: true } : undefined;
    }
  }));
  return outcomes;
}

/**
 * `writeAll` then `reduceOutcomes`.
 * @throws the quorum's code, or QUORUM_NOT_MET
 */
export async function writeQuorum<T>(
  deps: ReplicaDeps, placement: Placement, p: PlacementResult, call: NodeCall<T>, action: string,
): Promise<T[]> {
  return reduceOutcomes(await writeAll(deps, placement, p, call), p.replicaCount, action);
}

/**
 * Calls the previous ring's primaries that are not primaries now (healthy ones, all at once),
 * best effort, for writes that must also reach data that has not moved yet (a DELETE's tombstone,
 * a POST's metadata): the replicator then moves them along with the data. Failures are ignored.
 * @returns the answers of the nodes that succeeded
 */
export async function writePrevious<T>(deps: ReplicaDeps, placement: Placement, p: PlacementResult, call: NodeCall<T>): Promise<T[]> {
  if (p.previous.length === 0) return [];
  const nodes = placement.readOrder(p).filter((n) => n.previous && !deps.limiter.isLimited(deviceKey(n.device)));
  const outcomes = await Promise.all(nodes.map((n) => callNode(deps, n, call)));
  return outcomes.flatMap((o) => (o.ok ? [o.value] : []));
}

/**
 * Asks every healthy primary at once and returns the answers that succeeded (for HEAD, where the
 * newest answer should win). Once one primary has it, stops waiting when a quorum has answered,
 * so a hung primary does not slow every HEAD down; while none has it, waits for all of them (a
 * new primary may simply not have the data yet). When no primary had it, goes on like
 * `readFirst` with the previous ring's primaries, the handoffs and error-limited primaries.
 * @throws NOT_FOUND, QUORUM_NOT_MET
 */
export async function readAllPrimaries<T>(
  deps: ReplicaDeps, placement: Placement, p: PlacementResult, call: NodeCall<T>, action: string,
): Promise<T[]> {
  const need = quorumSize(p.replicaCount);
  const order = placement.readOrder(p);
  const primaries = order.filter((n) => !n.handoff && !n.previous && !deps.limiter.isLimited(deviceKey(n.device)));
  const outcomes: Array<{ node: PlacedNode; outcome: NodeOutcome<T> }> = [];
  await new Promise<void>((resolve) => {
    if (primaries.length === 0) return resolve();
    let answered = 0;
    let found = false;
    for (const node of primaries) {
      void callNode(deps, node, call).then((outcome) => {
        outcomes.push({ node, outcome });
        if (outcome.ok || isDefinitive(outcome.error.code)) answered++;
        if (outcome.ok) found = true;
        if ((found && answered >= need) || outcomes.length === primaries.length) resolve();
      });
    }
  });
  const values = outcomes.flatMap(({ outcome }) => (outcome.ok ? [outcome.value] : []));
  if (values.length > 0) return values;
  const tally: ReadTally = { tried: new Set(primaries.map((n) => deviceKey(n.device))), primaryNotFound: 0, faults: [] };
  for (const { node, outcome } of outcomes) if (!outcome.ok) tallyOutcome(tally, node, outcome, action);
  return [await readRest(deps, order, p.replicaCount, call, action, tally)];
}
