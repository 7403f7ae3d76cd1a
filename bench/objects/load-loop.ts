/**
 * A closed-loop load: `concurrency` workers each issue one operation at a time until `count`
 * operations have started or `durationSec` has passed, whichever comes first. Latency, bytes
 * and errors are kept per operation name.
 */
import { LatencyRecorder, type LatencySummary } from './latency.js';

/** What one operation did: its name (PUT, GET...) and the payload bytes moved. */
export interface OpOutcome { op: string; bytes: number; items?: number }

export interface OpStats {
  op: string;
  ops: number;
  errors: number;
  bytes: number;
  /** Listed objects (LIST pages), else 0. */
  items: number;
  latencyMs: LatencySummary;
  firstErrors: string[];
}

export interface LoopResult { seconds: number; byOp: OpStats[] }

export interface LoopOptions {
  concurrency: number;
  count: number;
  durationSec: number;
  /** Stop early once this many operations failed (a broken endpoint should not spin). */
  maxErrors?: number;
}

interface Acc { latency: LatencyRecorder; errors: number; bytes: number; items: number; firstErrors: string[] }

/**
 * Runs the loop. `fn(worker, seq)` performs one operation and says what it was; a thrown error
 * counts against `errorOp(worker, seq)` (the op the worker was attempting).
 */
export async function runLoop(
  opts: LoopOptions,
  fn: (worker: number, seq: number) => Promise<OpOutcome>,
  errorOp: (worker: number, seq: number) => string,
): Promise<LoopResult> {
  const accs = new Map<string, Acc>();
  const acc = (op: string): Acc => {
    let a = accs.get(op);
    if (!a) { a = { latency: new LatencyRecorder(), errors: 0, bytes: 0, items: 0, firstErrors: [] }; accs.set(op, a); }
    return a;
  };
  const start = performance.now();
  const deadline = start + opts.durationSec * 1000;
  const maxErrors = opts.maxErrors ?? 100;
  let issued = 0;
  let failed = 0;
  const worker = async (w: number): Promise<void> => {
    while (issued < opts.count && performance.now() < deadline && failed < maxErrors) {
      const seq = issued++;
      const t0 = performance.now();
      try {
        const out = await fn(w, seq);
        const a = acc(out.op);
        a.latency.record(performance.now() - t0);
        a.bytes += out.bytes;
        a.items += out.items ?? 0;
      } catch (err) {
        failed++;
        const a = acc(errorOp(w, seq));
        a.errors++;
        if (a.firstErrors.length < 3) a.firstErrors.push((err as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, (_, w) => worker(w)));
  const seconds = (performance.now() - start) / 1000;
  const byOp = [...accs].map(([op, a]) => ({
    op, ops: a.latency.count, errors: a.errors, bytes: a.bytes, items: a.items, latencyMs: a.latency.summary(), firstErrors: a.firstErrors,
  }));
  return { seconds, byOp };
}
