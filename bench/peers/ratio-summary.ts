/**
 * Side-by-side summary of A/B rounds: for each scenario, API and operation, the median and
 * range of each system's headline figure and of the per-round Strata/Swift ratios.
 */
import type { ResultRecord } from '../objects/report.js';

/** The figure a scenario is judged by: objects/s for listings, MiB/s for large objects, else ops/s. */
export function headline(r: ResultRecord): { name: string; value: number } {
  if (r.op === 'LIST') return { name: 'obj/s', value: r.objectsPerSec };
  if (r.objectBytes >= 1024 * 1024) return { name: 'MiB/s', value: r.mibPerSec };
  return { name: 'ops/s', value: r.opsPerSec };
}

export interface RatioRow {
  api: string;
  scenario: string;
  op: string;
  metric: string;
  a: number[];
  b: number[];
  /** Per round: A/B of the headline, of server CPU ms/op (lower is better) and of p99. */
  ratio: number[];
  cpuRatio: number[];
  p99Ratio: number[];
}

/** Pairs record i of system A with record i of system B (same api, scenario and op). */
export function summarise(aRecords: ResultRecord[], bRecords: ResultRecord[]): RatioRow[] {
  const key = (r: ResultRecord): string => `${r.api}|${r.scenario}|${r.op}`;
  const rows = new Map<string, RatioRow>();
  const bByKey = new Map<string, ResultRecord[]>();
  for (const r of bRecords) bByKey.set(key(r), [...(bByKey.get(key(r)) ?? []), r]);
  const used = new Map<string, number>();
  for (const a of aRecords) {
    const k = key(a);
    const i = used.get(k) ?? 0;
    used.set(k, i + 1);
    const b = bByKey.get(k)?.[i];
    if (!b) continue;
    const ha = headline(a);
    const hb = headline(b);
    let row = rows.get(k);
    if (!row) {
      row = { api: a.api, scenario: a.scenario, op: a.op, metric: ha.name, a: [], b: [], ratio: [], cpuRatio: [], p99Ratio: [] };
      rows.set(k, row);
    }
    row.a.push(ha.value);
    row.b.push(hb.value);
    row.ratio.push(div(ha.value, hb.value));
    row.cpuRatio.push(div(a.serverCpuMsPerOp, b.serverCpuMsPerOp));
    row.p99Ratio.push(div(a.p99Ms, b.p99Ms));
  }
  return [...rows.values()];
}

function div(x: number, y: number): number {
  return y === 0 ? Number.NaN : x / y;
}

/** Median of a non-empty list (mean of the middle two for even lengths). */
export function median(xs: number[]): number {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((p, q) => p - q);
  if (s.length === 0) return Number.NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function fmt(x: number): string {
  if (Number.isNaN(x)) return '-';
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

function medRange(xs: number[]): string {
  const s = xs.filter((x) => !Number.isNaN(x));
  if (s.length === 0) return '-';
  return `${fmt(median(s))} (${fmt(Math.min(...s))}-${fmt(Math.max(...s))})`;
}

/** A Markdown table: medians with (min-max) over the rounds. */
export function formatRatios(rows: RatioRow[], aName: string, bName: string): string {
  const head = ['api', 'scenario', 'op', 'metric', aName, bName, `${aName}/${bName}`, 'cpu/op ratio', 'p99 ratio'];
  const lines = rows.map((r) => [r.api, r.scenario, r.op, r.metric, medRange(r.a), medRange(r.b), medRange(r.ratio), medRange(r.cpuRatio), medRange(r.p99Ratio)]);
  return [head, head.map(() => '---'), ...lines].map((l) => `| ${l.join(' | ')} |`).join('\n');
}
