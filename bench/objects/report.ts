/**
 * Turns a scenario run into result records (one per operation type plus an "all" row carrying
 * the server CPU per operation), prints them as a table and appends them as JSON lines.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ScenarioRun } from './scenario-runner.js';

export interface ResultRecord {
  time: string;
  label: string;
  api: string;
  scenario: string;
  op: string;
  concurrency: number;
  objectBytes: number;
  seconds: number;
  ops: number;
  errors: number;
  opsPerSec: number;
  mibPerSec: number;
  /** Listed objects per second (LIST rows). */
  objectsPerSec: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Server CPU seconds (user + system, all server processes) over the whole run. */
  serverCpuSec: number;
  /** Server CPU milliseconds per operation of the run (all operation types). */
  serverCpuMsPerOp: number;
  clientCpuSec: number;
  serverRssStartMiB: number;
  serverRssEndMiB: number;
  serverPids: number;
  firstErrors: string[];
}

const MIB = 1024 * 1024;

/** One record per operation type, then an "all" row when the run mixed several. */
export function toRecords(run: ScenarioRun, meta: { label: string; api: string; scenario: string; concurrency: number; objectBytes: number }): ResultRecord[] {
  const { loop } = run;
  const totalOps = loop.byOp.reduce((s, o) => s + o.ops, 0);
  const serverCpuSec = run.cpuAfter.cpuSec - run.cpuBefore.cpuSec;
  const common = {
    time: new Date().toISOString(), ...meta, seconds: round(loop.seconds, 2),
    serverCpuSec: round(serverCpuSec, 2), serverCpuMsPerOp: round(totalOps ? (serverCpuSec * 1000) / totalOps : 0, 3),
    clientCpuSec: round(run.clientCpuSec, 2), serverRssStartMiB: round(run.cpuBefore.rssMiB, 1),
    serverRssEndMiB: round(run.cpuAfter.rssMiB, 1), serverPids: run.cpuAfter.pids,
  };
  const rows: ResultRecord[] = loop.byOp.map((o) => ({
    ...common, op: o.op, ops: o.ops, errors: o.errors,
    // A single stream (big-256m: one PUT, then one GET) is judged by each operation's own time.
    opsPerSec: round(o.ops / loop.seconds, 1),
    mibPerSec: round(o.bytes / MIB / (meta.concurrency === 1 && o.ops > 0 ? (o.latencyMs.mean * o.ops) / 1000 : loop.seconds), 2),
    objectsPerSec: round(o.items / loop.seconds, 0),
    p50Ms: round(o.latencyMs.p50, 2), p90Ms: round(o.latencyMs.p90, 2), p99Ms: round(o.latencyMs.p99, 2), maxMs: round(o.latencyMs.max, 2),
    firstErrors: o.firstErrors,
  }));
  if (rows.length > 1) {
    const bytes = loop.byOp.reduce((s, o) => s + o.bytes, 0);
    rows.push({
      ...common, op: 'all', ops: totalOps, errors: loop.byOp.reduce((s, o) => s + o.errors, 0),
      opsPerSec: round(totalOps / loop.seconds, 1), mibPerSec: round(bytes / MIB / loop.seconds, 2), objectsPerSec: 0,
      p50Ms: 0, p90Ms: 0, p99Ms: 0, maxMs: Math.max(...rows.map((r) => r.maxMs)), firstErrors: [],
    });
  }
  return rows;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

const COLUMNS: Array<[string, (r: ResultRecord) => string]> = [
  ['label', (r) => r.label], ['api', (r) => r.api], ['scenario', (r) => r.scenario], ['op', (r) => r.op],
  ['conc', (r) => String(r.concurrency)], ['ops', (r) => String(r.ops)], ['err', (r) => String(r.errors)],
  ['ops/s', (r) => r.opsPerSec.toFixed(1)], ['MiB/s', (r) => r.mibPerSec.toFixed(2)], ['obj/s', (r) => String(r.objectsPerSec)],
  ['p50 ms', (r) => r.p50Ms.toFixed(2)], ['p90 ms', (r) => r.p90Ms.toFixed(2)], ['p99 ms', (r) => r.p99Ms.toFixed(2)],
  ['srv cpu ms/op', (r) => r.serverCpuMsPerOp.toFixed(2)], ['rss MiB', (r) => `${r.serverRssStartMiB.toFixed(0)}>${r.serverRssEndMiB.toFixed(0)}`],
];

/** A fixed-width table of records, one line per record. */
export function formatTable(records: readonly ResultRecord[]): string {
  const cells = [COLUMNS.map(([h]) => h), ...records.map((r) => COLUMNS.map(([, f]) => f(r)))];
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return cells.map((row) => row.map((c, i) => c.padStart(widths[i] ?? 0)).join('  ')).join('\n');
}

/** Appends records as JSON lines, creating the folder. */
export function appendJsonLines(file: string, records: readonly ResultRecord[]): void {
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
}
