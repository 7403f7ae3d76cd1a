/**
 * The three benchmark layouts of issue 2 and the changes applied to them. Servers whose index is
 * 2 mod 3 (a third of them) have double-weight disks, except in the small layout.
 */
import type { LayoutShape } from '../../ring/index.js';

export interface BenchLayout {
  name: string;
  partPower: number;
  replicas: number;
  shape: LayoutShape;
}

const thirdDouble = (_r: number, _z: number, s: number): number => (s % 3 === 2 ? 2 : 1);

export const LAYOUTS: BenchLayout[] = [
  { name: 'small', partPower: 10, replicas: 3, shape: { regions: 1, zones: 3, servers: 4, disks: 4 } },
  { name: 'medium', partPower: 16, replicas: 3, shape: { regions: 2, zones: 4, servers: 10, disks: 12, weightOf: thirdDouble } },
  { name: 'large', partPower: 20, replicas: 3, shape: { regions: 3, zones: 5, servers: 20, disks: 24, weightOf: thirdDouble } },
];

/** A device as both benchmarks (ours and Swift's) build it. */
export interface BenchDevice {
  id: number;
  region: number;
  zone: number;
  ip: string;
  port: number;
  device: string;
  weight: number;
}

/** The devices of a layout, and the scenario changes: new servers, one server, one disk. */
export interface Scenario {
  devices: BenchDevice[];
  /** 10% more servers, spread round-robin over the zones. */
  growth: BenchDevice[];
  /** Ids of one server's disks (the last server of the first zone). */
  removeServer: number[];
  /** Id of one disk that fails (set to weight 0). */
  failDisk: number;
}

export function scenarioOf(l: BenchLayout): Scenario {
  const { regions, zones, servers, disks } = l.shape;
  const weightOf = l.shape.weightOf ?? (() => 1);
  const devices: BenchDevice[] = [];
  const add = (list: BenchDevice[], r: number, z: number, s: number): void => {
    for (let d = 0; d < disks; d++) {
      list.push({ id: 0,
        region: r, zone: z, ip: `10.${r}.${z}.${s}`, port: 6200, device: `d${d}`, weight: weightOf(r, z, s) });
    }
  };
  for (let r = 0; r < regions; r++) for (let z = 0; z < zones; z++) for (let s = 0; s < servers; s++) add(devices, r, z, s);
  devices.forEach((d, i) => { d.id = i; });
  const growth: BenchDevice[] = [];
  const extra = Math.max(1, Math.round(regions * zones * servers * 0.1));
  for (let i = 0; i < extra; i++) {
    const zoneIndex = i % (regions * zones);
    add(growth, Math.floor(zoneIndex / zones), zoneIndex % zones, servers + Math.floor(i / (regions * zones)));
  }
  growth.forEach((d, i) => { d.id = devices.length + i; });
  const last = devices.filter((d) => d.region === 0 && d.zone === 0 && d.ip === `10.0.0.${servers - 1}`);
  return { devices, growth, removeServer: last.map((d) => d.id), failDisk: 0 };
}
