/**
 * The two ways a replicated request meets its nodes, shared by objects, containers and accounts:
 * - reads go to one node at a time (healthy primaries, then healthy handoffs, error-limited
 *   devices last) until one answers;
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

function asStoreError(err: unknown): StoreError {
  return err instanceof StoreError ? err : new StoreError('INTERNAL', err instanceof Error ? err.message : String(err), { cause: err });
}

/** Calls one node, keeping the error limiter informed. */
export async function callNode<T>(deps: ReplicaDeps, node: PlacedNode, call: NodeCall<T>): Promise<NodeOutcome<T>> {
  const key = deviceKey(node.device);
  try {
    const value = await call(deps.pool.get(node.device.ip, node.device.port), node);
    deps.limiter.recordSuccess(key);
    return { ok: true, node: key, value };
  } catch (err) {
    const error = asStoreError(err);
    deps.limiter.recordError(key, error.code);
    if (isNodeFault(error.code)) deps.log.debug({ device: key, code: error.code, err: error.message }, 'replica failed');
    return { ok: false, node: key, error };
  }
}

/**
 * Reads from the first node that answers. NOT_FOUND is trusted once a quorum of nodes said so
 * and every healthy primary was asked (the object may sit on a handoff when primaries were down
 * at write time, but a deleted object must not come back from a stale handoff).
 * @throws NOT_FOUND when nodes (a primary among them) said so and none had it; a definitive
 *   code (e.g. RANGE_NOT_SATISFIABLE) at once; QUORUM_NOT_MET when no primary answered
 */
export async function readFirst<T>(
  deps: ReplicaDeps, placement: Placement, p: PlacementResult, call: NodeCall<T>, action: string,
): Promise<T> {
  const order = placement.readOrder(p);
  const need = quorumSize(p.replicaCount);
  let notFound: StoreError | undefined;
  let notFoundCount = 0;
  let primaryNotFound = 0;
  const faults: string[] = [];
  for (const node of order) {
    if (node.handoff && notFoundCount >= need && notFound) throw notFound;
    const outcome = await callNode(deps, node, call);
    if (outcome.ok) return outcome.value;
    const { error } = outcome;
    if (error.code === 'NOT_FOUND') {
      notFound ??= new StoreError('NOT_FOUND', `${action}: not found`, { cause: error });
      notFoundCount++;
      if (!node.handoff) primaryNotFound++;
    } else if (isDefinitive(error.code)) {
      throw error;
    } else {
      faults.push(`${outcome.node}: ${error.code}`);
    }
  }
  // Handoffs alone saying "not found" prove nothing while every primary was unreachable.
  if (notFound && primaryNotFound > 0) throw notFound;
  throw new StoreError('QUORUM_NOT_MET', `${action}: no replica answered (${faults.join(', ') || 'no devices'})`);
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
 * Asks every healthy primary at once and returns the answers that succeeded (for HEAD, where the
 * newest answer should win). Stops waiting once a quorum has answered (found or not found), so a
 * hung primary does not slow every HEAD down. Falls back to `readFirst` over the whole read order
 * when no primary had it and fewer than a quorum said "not found".
 * @throws NOT_FOUND, QUORUM_NOT_MET
 */
export async function readAllPrimaries<T>(
  deps: ReplicaDeps, placement: Placement, p: PlacementResult, call: NodeCall<T>, action: string,
): Promise<T[]> {
  const need = quorumSize(p.replicaCount);
  const primaries = placement.readOrder(p).filter((n) => !n.handoff && !deps.limiter.isLimited(deviceKey(n.device)));
  const outcomes: Array<NodeOutcome<T>> = [];
  await new Promise<void>((resolve) => {
    if (primaries.length === 0) return resolve();
    let answered = 0;
    for (const n of primaries) {
      void callNode(deps, n, call).then((o) => {
        outcomes.push(o);
        if (o.ok || isDefinitive(o.error.code)) answered++;
        if (answered >= need || outcomes.length === primaries.length) resolve();
      });
    }
  });
  const values = outcomes.flatMap((o) => (o.ok ? [o.value] : []));
  if (values.length > 0) return values;
  const notFound = outcomes.filter((o) => !o.ok && o.error.code === 'NOT_FOUND').length;
  if (notFound >= need) throw new StoreError('NOT_FOUND', `${action}: not found`);
  return [await readFirst(deps, placement, p, call, action)];
}
