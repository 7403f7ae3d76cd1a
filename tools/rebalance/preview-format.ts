/**
 * The rebalance preview as operators read it: which rings change, a table of the devices data
 * leaves and one of the devices it arrives on, the totals and the time it should take.
 */
import { formatBytes, formatDuration, formatRate } from '../movement/movement-units.js';
import type { DeviceMoves, Preview } from './preview.js';

function table(title: string, rows: DeviceMoves[], max: number): string[] {
  if (rows.length === 0) return [];
  const head = ['DEVICE', 'NODE', 'PARTITIONS', 'BYTES', 'LISTING PARTITIONS'];
  const body = rows.slice(0, max).map((r) => [r.device, r.node, String(r.partitions), formatBytes(r.bytes), String(r.listingPartitions)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => `  ${cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  const out = [title, line(head), ...body.map(line)];
  if (rows.length > max) out.push(`  ... and ${rows.length - max} more devices`);
  return out;
}

/** One line: the time the move should take at the configured rate, or why there is no figure. */
export function describeEstimate(p: Preview): string {
  if (p.total.partitions === 0 && p.total.listingPartitions === 0) return 'Estimated time: nothing to move';
  const paused = p.paused ? ' (movement is paused: nothing moves until "strata cluster resume")' : '';
  if (p.maxBytesPerSec <= 0) {
    return `Estimated time: no figure, the movement rate is unlimited (set a limit with "strata cluster throttle --rate RATE")${paused}`;
  }
  if (p.estimateMs === undefined) return `Estimated time: no object bytes to move at ${formatRate(p.maxBytesPerSec)}${paused}`;
  return `Estimated time: ${formatDuration(p.estimateMs)} at the cluster-wide limit of ${formatRate(p.maxBytesPerSec)}${paused}`;
}

/** The preview as text (no final newline). `maxRows` bounds each device table. */
export function formatPreview(p: Preview, maxRows = 40): string {
  const rings = p.rings.map((r) => (r.changed ? `${r.name} v${r.fromVersion} -> v${r.toVersion} (${r.moves} partition-replicas move)` : `${r.name} v${r.fromVersion} unchanged`));
  const lines = [`Rings: ${rings.join('; ')}; block ring unchanged (block extents do not move yet)`];
  lines.push(...table('Data leaves these devices:', p.sources, maxRows));
  lines.push(...table('Data arrives on these devices:', p.destinations, maxRows));
  lines.push(`Total: ${p.total.partitions} object partition-replicas (${formatBytes(p.total.bytes)}) and ${p.total.listingPartitions} listing partition-replicas to move`);
  if (p.unknownBytes > 0) lines.push(`Note: the bytes of ${p.unknownBytes} object partition-replicas are unknown (their source node did not report its usage)`);
  lines.push(describeEstimate(p));
  return lines.join('\n');
}
