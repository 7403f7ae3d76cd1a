/**
 * Quorum: how many replicas must agree, and how the per-node outcomes of one request reduce to
 * one result. A write succeeds when a majority of replicas acknowledged it; otherwise the client
 * gets the answer most nodes agree on when it is about the request (not found, conflict,
 * precondition failed, ...), and QUORUM_NOT_MET when nodes were simply unreachable or failing.
 */
import { StoreError, type ErrorCode } from '../common/index.js';

/** Majority of `replicas`: 2 of 3, 3 of 4, 3 of 5. */
export function quorumSize(replicas: number): number {
  return Math.floor(Math.max(1, replicas) / 2) + 1;
}

/** One node's answer. `node` names it ("ip:port/device") for messages. */
export type NodeOutcome<T> =
  | { ok: true; node: string; value: T }
  | { ok: false; node: string; error: StoreError };

/** Codes that are an answer about the request rather than a fault of the node. */
const DEFINITIVE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'NOT_FOUND', 'CONFLICT', 'PRECONDITION_FAILED', 'CHECKSUM_MISMATCH', 'INVALID_ARGUMENT',
  'ALREADY_EXISTS', 'RANGE_NOT_SATISFIABLE', 'TOO_LARGE',
]);

/** True when a code is an answer about the request (the same on every healthy replica). */
export function isDefinitive(code: ErrorCode): boolean {
  return DEFINITIVE.has(code);
}

/**
 * Reduces the outcomes of a replicated request.
 * @param replicas the ring's replica count (the quorum is a majority of it)
 * @param action e.g. `Cannot DELETE object "a/c/o"`, prefix of the error message
 * @returns the successful values (at least a quorum of them)
 * @throws the code a quorum of nodes answered, else the most common definitive code when it
 *   outnumbers node faults, else QUORUM_NOT_MET
 */
export function reduceOutcomes<T>(outcomes: ReadonlyArray<NodeOutcome<T>>, replicas: number, action: string): T[] {
  const need = quorumSize(replicas);
  const values: T[] = [];
  const byCode = new Map<ErrorCode, StoreError[]>();
  let faults = 0;
  for (const o of outcomes) {
    if (o.ok) {
      values.push(o.value);
      continue;
    }
    const list = byCode.get(o.error.code) ?? [];
    list.push(o.error);
    byCode.set(o.error.code, list);
    if (!isDefinitive(o.error.code)) faults++;
  }
  if (values.length >= need) return values;
  let best: StoreError[] | undefined;
  for (const [code, errors] of byCode) {
    if (!isDefinitive(code)) continue;
    if (!best || errors.length > best.length) best = errors;
  }
  if (best && (best.length >= need || best.length > faults)) {
    const first = best[0] as StoreError;
    throw new StoreError(first.code, first.message, { cause: first });
  }
  const detail = outcomes
    .filter((o): o is Extract<NodeOutcome<T>, { ok: false }> => !o.ok)
    .map((o) => `${o.node}: ${o.error.code}`)
    .join(', ');
  throw new StoreError(
    'QUORUM_NOT_MET',
    `${action}: ${values.length} of ${replicas} replicas answered, ${need} needed${detail ? ` (${detail})` : ''}`,
  );
}
