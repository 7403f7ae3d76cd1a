/**
 * Plain-text rendering of ring reports for the CLI: a compact device table and one-line
 * summaries. Pure functions of the data, so tests can check them without a terminal.
 */
import type { Device } from './device.js';
import type { BalanceReport, DispersionReport } from './dispersion.js';
import { Topology } from './topology.js';

/** Renders rows as aligned columns; numbers right-aligned. */
export function formatTable(head: string[], rows: Array<Array<string | number>>): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, c) => Math.max(...cells.map((r) => r[c]!.length)));
  const numeric = head.map((_, c) => rows.length > 0 && rows.every((r) => typeof r[c] === 'number' || /^-?[\d.]+%?$/.test(String(r[c]))));
  return cells.map((r) => r.map((v, c) => (numeric[c] ? v.padStart(widths[c]!) : v.padEnd(widths[c]!))).join('  ').trimEnd())
    .join('\n');
}

/** One row per device: id, region, zone, address, device, weight, partitions, balance, meta. */
export function formatDevices(devices: ReadonlyArray<Device | undefined>, bal: BalanceReport | undefined,
  pendingRemoval: readonly number[] = []): string {
  const rows = devices.filter((d): d is Device => d !== undefined).map((d) => [
    d.id, d.region, d.zone, `${d.ip}:${d.port}`, d.device, trimNumber(d.weight),
    bal ? bal.parts[d.id]! : '-',
    bal ? (d.weight > 0 ? bal.deviation[d.id]!.toFixed(2) : (bal.parts[d.id]! > 0 ? 'drain' : '0.00')) : '-',
    (pendingRemoval.includes(d.id) ? '[removing] ' : '') + d.meta,
  ]);
  return formatTable(['id', 'region', 'zone', 'address', 'device', 'weight', 'parts', 'balance%', 'meta'], rows);
}

/** "2 regions, 8 zones, 80 servers, 960 devices (959 with weight)". */
export function describeLayout(devices: ReadonlyArray<Device | undefined>): string {
  const topo = new Topology(devices);
  const n = devices.filter((d) => d !== undefined).length;
  return `${topo.nodeCount[0]} regions, ${topo.nodeCount[1]} zones, ${topo.nodeCount[2]} servers, ${n} devices (${topo.activeCount} with weight)`;
}

/** "0 partitions (0.00%); by tier: region 0, zone 0, server 0, device 0". */
export function describeDispersion(d: DispersionReport): string {
  const tiers = Object.entries(d.byTier).map(([t, n]) => `${t} ${n}`).join(', ');
  return `${d.partitions} partitions (${d.percent.toFixed(2)}%) with replicas closer than the layout allows; by tier: ${tiers}`;
}

/** Per-domain dispersion detail for `dispersion --verbose`. */
export function formatDispersionDetail(d: DispersionReport): string {
  if (d.worst.length === 0) return 'No failure domain holds more replicas of a partition than the layout requires.';
  return formatTable(['tier', 'domain', 'partitions', 'max replicas'], d.worst.map((w) => [w.tier, w.name, w.partitions, w.maxReplicas]));
}

function trimNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(2);
}
