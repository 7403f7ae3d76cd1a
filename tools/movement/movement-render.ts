/**
 * How data-movement progress is shown: a full report (what moved, what is left, rate, ETA,
 * per-device fill, ring versions, control, unreachable nodes), one plain line per sample (logs,
 * pipes), a JSON document, and the payload of the terminal progress bar. Pure functions of a
 * MovementProgress, shared by `strata cluster status` and `strata cluster rebalance --watch`.
 */
import { formatTable } from '../../ring/index.js';
import type { MovementProgress } from './movement-progress.js';
import { formatBytes, formatDuration, formatRate } from './movement-units.js';

const pct = (f: number): string => `${(f * 100).toFixed(1)}%`;

/** "12.3 MiB/s" measured, "... (average since the plan started)" with one sample, "measuring", "-" when done. */
export function describeRate(p: MovementProgress): string {
  if (p.rate) return `${formatBytes(p.rate.bytesPerSec)}/s${p.rateIsAverage ? ' (average since the plan started)' : ''}`;
  return p.snapshot.done ? '-' : 'measuring';
}

/** "done", "paused", "measuring", "unknown (nothing moved lately)" or a duration. */
export function describeEta(p: MovementProgress): string {
  if (p.snapshot.done) return 'done';
  if (p.paused) return 'paused';
  if (!p.rate) return 'measuring';
  return p.etaMs === undefined ? 'unknown (nothing moved lately)' : formatDuration(p.etaMs);
}

function describeLeft(p: MovementProgress): string {
  const l = p.snapshot.toMove;
  return `${l.partitions} partitions (${formatBytes(l.bytes)}) and ${l.listingPartitions} listing partitions`;
}

function describeControl(p: MovementProgress): string {
  const c = p.control;
  return `${c.paused ? 'paused' : 'running'}, limit ${formatRate(c.maxBytesPerSec)}`;
}

/** One line per sample, for logs and pipes (no terminal codes). */
export function formatMovementLine(p: MovementProgress): string {
  const s = p.snapshot;
  const parts = [new Date(s.atMs).toISOString()];
  if (s.done) parts.push('done');
  if (p.fraction !== undefined) parts.push(`${pct(p.fraction)}`);
  parts.push(`left ${describeLeft(p)}`);
  if (p.plan) parts.push(`moved ${formatBytes(p.moved.bytes)} of ${formatBytes(p.plan.expected.bytes)}`);
  parts.push(`rate ${describeRate(p)}`, `eta ${describeEta(p)}`, describeControl(p));
  if (!s.ringsInSync) parts.push('rings not yet on every node');
  if (s.unreachable.length > 0) parts.push(`unreachable ${s.unreachable.join(' ')}`);
  return parts.join(', ');
}

/** A text progress bar of `width` cells. */
export function textBar(fraction: number, width = 30): string {
  const full = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}]`;
}

/** The full multi-line report of `strata cluster status`. */
export function formatMovementReport(p: MovementProgress): string {
  const s = p.snapshot;
  const lines: string[] = [];
  const state = s.done ? 'done: nothing left to move' : p.paused ? 'paused' : 'moving';
  lines.push(`Data movement: ${state}`);
  if (p.plan) {
    const e = p.plan.expected;
    lines.push(`  Plan        ${p.plan.kind} started ${new Date(p.plan.startedMs).toISOString()}: ${e.partitions} partitions (${formatBytes(e.bytes)}) and ${e.listingPartitions} listing partitions`);
    lines.push(`  Moved       ${p.moved.partitions} partitions (${formatBytes(p.moved.bytes)}) and ${p.moved.listingPartitions} listing partitions ${textBar(p.fraction ?? 0)} ${pct(p.fraction ?? 0)}`);
  }
  lines.push(`  Left        ${describeLeft(p)}`);
  lines.push(`  Nodes moved ${p.counters.partitions} partitions (${formatBytes(p.counters.bytes)}) and ${p.counters.listingPartitions} listing partitions since they started`);
  lines.push(`  Rate        ${describeRate(p)}    ETA ${describeEta(p)}`);
  lines.push(`  Control     ${describeControl(p)} (cluster-wide; each node gets its share)`);
  const ringFiles = Object.entries(s.ringFiles).map(([n, v]) => `${n} ${v}`).join(', ');
  lines.push(`  Ring files  ${ringFiles || 'none'}${s.ringsInSync ? '' : '   (some nodes use other versions: marked *)'}`);
  if (s.unreachable.length > 0) lines.push(`  Unreachable ${s.unreachable.join(', ')}`);
  lines.push('');
  lines.push(formatNodeTable(p));
  lines.push('');
  lines.push(formatDeviceTable(p));
  return lines.join('\n');
}

/** Per node: id, ring versions in use (versions differing from the ring files marked *), control. */
export function formatNodeTable(p: MovementProgress): string {
  const names = Object.keys(p.snapshot.ringFiles);
  const rows = p.snapshot.nodes.map((n) => {
    if (n.error !== undefined) return [n.address, '-', ...names.map(() => '-'), `unreachable: ${n.error}`];
    const versions = names.map((name) => {
      const v = n.ringVersions[name];
      return v === undefined ? '-' : `${v}${v === p.snapshot.ringFiles[name] ? '' : '*'}`;
    });
    const c = n.control;
    return [n.address, n.nodeId, ...versions, `${c.paused ? 'paused' : 'running'}, ${formatRate(c.maxBytesPerSec)}`];
  });
  return formatTable(['node', 'id', ...names, 'movement'], rows);
}

/** Per device: fill, object bytes, partitions and what is still to move off it. */
export function formatDeviceTable(p: MovementProgress): string {
  const rows: string[][] = [];
  for (const n of p.snapshot.nodes) {
    for (const d of n.devices) {
      const fill = d.capacityBytes > 0 ? pct(d.usedBytes / d.capacityBytes) : '-';
      rows.push([
        `${n.address}/${d.device}`, d.mounted ? 'yes' : 'NO', `${formatBytes(d.usedBytes)} / ${formatBytes(d.capacityBytes)} (${fill})`,
        formatBytes(d.objectBytes), String(d.objectPartitions), `${d.handoffPartitions} (${formatBytes(d.handoffBytes)})`,
        String(d.listingHandoffPartitions),
      ]);
    }
  }
  return formatTable(['device', 'mounted', 'used / capacity', 'objects', 'partitions', 'handoffs', 'listing handoffs'], rows);
}

/** The JSON document of `status --json` (one line per sample with --watch). */
export function movementJson(p: MovementProgress): Record<string, unknown> {
  const s = p.snapshot;
  return {
    atMs: s.atMs,
    done: s.done,
    toMove: s.toMove,
    moved: p.moved,
    expected: p.plan?.expected ?? null,
    plan: p.plan ?? null,
    fraction: p.fraction ?? null,
    movedSinceStart: p.counters,
    rateBytesPerSec: p.rate ? Math.round(p.rate.bytesPerSec) : null,
    ratePartitionsPerSec: p.rate ? p.rate.partitionsPerSec : null,
    rateKind: p.rate ? (p.rateIsAverage ? 'average' : 'window') : null,
    etaMs: p.etaMs === undefined ? null : Math.round(p.etaMs),
    paused: p.paused,
    control: p.control,
    ringFiles: s.ringFiles,
    ringsInSync: s.ringsInSync,
    unreachable: s.unreachable,
    nodes: s.nodes,
  };
}

/** Values for the terminal progress bar's format string (see movement-watch.ts). */
export function barPayload(p: MovementProgress): Record<string, string> {
  const l = p.snapshot.toMove;
  return {
    left: `${l.partitions} parts ${formatBytes(l.bytes)} ${l.listingPartitions} listing`,
    speed: describeRate(p),
    remaining: describeEta(p),
    state: p.snapshot.unreachable.length > 0 ? ` unreachable: ${p.snapshot.unreachable.length}` : p.paused ? ' paused' : '',
  };
}
