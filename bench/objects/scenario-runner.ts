/**
 * Runs one scenario against one target: prepares what it reads (not measured, skipped when a
 * marker object says an earlier run did it), then runs the measured loop between two readings
 * of the servers' CPU from /proc.
 */
import { runLoop, type LoopResult, type OpOutcome } from './load-loop.js';
import { PayloadSet } from './payload.js';
import { MIXED_WEIGHTS, OVERWRITE_POOL, type Scenario } from './scenarios.js';
import { snapshotCpu, type CpuSnapshot, type PidSource } from './server-cpu.js';
import type { ObjectTarget } from './target.js';

export interface RunBounds {
  concurrency: number;
  count: number;
  durationSec: number;
  /** Objects to prepare for get/mixed/list (overrides the scenario's default). */
  prepareObjects: number;
  prepareTimeoutSec: number;
  pageSize: number;
}

export interface ScenarioRun {
  loop: LoopResult;
  cpuBefore: CpuSnapshot;
  cpuAfter: CpuSnapshot;
  clientCpuSec: number;
}

const name8 = (i: number): string => `o${String(i).padStart(8, '0')}`;

async function putVerified(target: ObjectTarget, payloads: PayloadSet, name: string, i: number): Promise<OpOutcome> {
  const p = payloads.pick(i);
  await target.put(name, payloads.body(p), payloads.size, p.md5);
  return { op: 'PUT', bytes: payloads.size };
}

async function getVerified(target: ObjectTarget, payloads: PayloadSet, name: string, i: number): Promise<OpOutcome> {
  const got = await target.get(name);
  const want = payloads.pick(i).md5;
  if (got.bytes !== payloads.size || got.md5 !== want) {
    throw new Error(`GET "${name}" returned ${got.bytes} bytes with MD5 ${got.md5}, expected ${payloads.size} with ${want}`);
  }
  return { op: 'GET', bytes: got.bytes };
}

/**
 * Stores objects 0..n-1. With `marker`, skipped when an earlier complete preparation left its
 * marker; without, only the objects a listing does not show are stored (mixed deletes some).
 */
async function prepare(target: ObjectTarget, payloads: PayloadSet, n: number, b: RunBounds, marker: boolean): Promise<void> {
  const markerName = `_prepared_${n}_${payloads.size}`;
  let todo = Array.from({ length: n }, (_, i) => i);
  if (marker && await target.head(markerName).then(() => true, () => false)) return;
  if (!marker) {
    const present = new Set<string>();
    let after: string | undefined;
    // Bounded: at most n / pageSize + 1 pages of our own names.
    for (let page = 0; page <= n / b.pageSize + 1; page++) {
      const got = await target.list(after, b.pageSize);
      for (const x of got.names) present.add(x);
      if (got.next === undefined) break;
      after = got.next;
    }
    todo = todo.filter((i) => !present.has(name8(i)));
  }
  const res = await runLoop({ concurrency: Math.min(32, Math.max(1, todo.length)), count: todo.length, durationSec: b.prepareTimeoutSec, maxErrors: 20 },
    (_w, k) => { const i = todo[k] as number; return putVerified(target, payloads, name8(i), i); }, () => 'PUT');
  const done = res.byOp.reduce((s, o) => s + o.ops, 0);
  if (done < todo.length) throw new Error(`Preparation stored ${done} of ${todo.length} objects: ${res.byOp.flatMap((o) => o.firstErrors).join('; ')}`);
  if (marker) await target.put(markerName, Buffer.alloc(0), 0, 'd41d8cd98f00b204e9800998ecf8427e');
}

/**
 * Prepares and runs `scenario` on an opened target.
 * @throws Error when the preparation cannot store its objects
 */
export async function runScenario(target: ObjectTarget, scenario: Scenario, b: RunBounds, pids: PidSource, runId: string): Promise<ScenarioRun> {
  const payloads = new PayloadSet(scenario.kind === 'list' ? 16 : scenario.size);
  // A big-object run is one PUT and one GET, bounded by the preparation timeout rather than
  // --duration, so a slow PUT is never left without its GET.
  const loopOpts = scenario.kind === 'big'
    ? { concurrency: 1, count: 2, durationSec: Math.max(b.durationSec, b.prepareTimeoutSec) }
    : { concurrency: b.concurrency, count: b.count, durationSec: b.durationSec };
  let body: (w: number, seq: number) => Promise<OpOutcome>;
  let errorOp: (w: number, seq: number) => string = () => (scenario.kind === 'get' ? 'GET' : 'PUT');
  const n = b.prepareObjects;
  switch (scenario.kind) {
    case 'put':
      body = (w, seq) => putVerified(target, payloads, scenario.size >= 1024 * 1024 ? `pool-${seq % OVERWRITE_POOL}` : `${runId}-${w}-${seq}`, seq);
      break;
    case 'get':
      await prepare(target, payloads, n, b, true);
      body = (_w, seq) => { const i = Math.floor(Math.random() * n); void seq; return getVerified(target, payloads, name8(i), i); };
      break;
    case 'big':
      // Even steps write object k, odd steps read it back: PUT and GET rows from one loop.
      body = (_w, seq) => {
        const k = Math.floor(seq / 2) % OVERWRITE_POOL;
        return seq % 2 === 0 ? putVerified(target, payloads, `big-${k}`, k) : getVerified(target, payloads, `big-${k}`, k);
      };
      errorOp = (_w, seq) => (seq % 2 === 0 ? 'PUT' : 'GET');
      break;
    case 'list': {
      await prepare(target, payloads, n, b, true);
      const markers = new Map<number, { marker?: string; seen: number }>();
      body = async (w) => {
        const state = markers.get(w) ?? { seen: 0 };
        const page = await target.list(state.marker, b.pageSize);
        // Count only our objects: the marker object sorts before them ("_" < "o").
        const items = page.names.filter((x) => x.startsWith('o')).length;
        state.seen += items;
        if (page.next === undefined) {
          if (state.seen !== n) throw new Error(`A full listing returned ${state.seen} objects, expected ${n}`);
          markers.set(w, { seen: 0 });
        } else {
          markers.set(w, { marker: page.next, seen: state.seen });
        }
        return { op: 'LIST', bytes: 0, items };
      };
      errorOp = () => 'LIST';
      break;
    }
    case 'mixed': {
      await prepare(target, payloads, n, b, false);
      // Worker w owns objects i with i % concurrency == w, so no two operations race on a name.
      const exists = new Array<boolean>(n).fill(true);
      const chosen = new Map<number, string>();
      body = async (w) => {
        const slots = Math.ceil((n - w) / b.concurrency);
        const i = w + b.concurrency * Math.floor(Math.random() * slots);
        const roll = Math.random() * 100;
        let op: string = MIXED_WEIGHTS.find((m) => roll < m.upTo)?.op ?? 'GET';
        if (!exists[i] && op !== 'PUT') op = 'PUT';
        chosen.set(w, op);
        if (op === 'PUT') { const r = await putVerified(target, payloads, name8(i), i); exists[i] = true; return r; }
        if (op === 'GET') return getVerified(target, payloads, name8(i), i);
        if (op === 'HEAD') {
          const len = await target.head(name8(i));
          if (len !== payloads.size) throw new Error(`HEAD "${name8(i)}" reported ${len} bytes, expected ${payloads.size}`);
          return { op, bytes: 0 };
        }
        exists[i] = false;
        await target.delete(name8(i));
        return { op, bytes: 0 };
      };
      errorOp = (w) => chosen.get(w) ?? 'GET';
      break;
    }
  }
  const cpuBefore = snapshotCpu(pids);
  const client0 = process.cpuUsage();
  const loop = await runLoop(loopOpts, body, errorOp);
  const c = process.cpuUsage(client0);
  const cpuAfter = snapshotCpu(pids);
  return { loop, cpuBefore, cpuAfter, clientCpuSec: (c.user + c.system) / 1e6 };
}
