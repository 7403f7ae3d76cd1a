/**
 * Random layouts for the builder's property tests and the benchmark: seeded, so a failing case
 * can be replayed from its seed.
 */
import { SeededRandom } from './random.js';
import type { RingBuilder } from './builder.js';

export interface LayoutShape {
  regions: number;
  zones: number;
  servers: number;
  disks: number;
  /** Weight of a server's disks; default 1. */
  weightOf?: (region: number, zone: number, server: number) => number;
}

/** Adds regions x zones x servers x disks devices; returns their ids. Server ips are 10.r.z.s. */
export function addLayout(b: RingBuilder, shape: LayoutShape, serverOffset = 0): number[] {
  const ids: number[] = [];
  for (let r = 0; r < shape.regions; r++) {
    for (let z = 0; z < shape.zones; z++) {
      for (let s = serverOffset; s < serverOffset + shape.servers; s++) {
        const weight = shape.weightOf?.(r, z, s) ?? 1;
        for (let d = 0; d < shape.disks; d++) {
          ids.push(b.addDevice({ region: r, zone: z, ip: `10.${r}.${z}.${s}`, port: 6200, device: `d${d}`, weight, meta: '' }));
        }
      }
    }
  }
  return ids;
}

/** A random irregular layout: uneven zones, servers and weights. */
export function addRandomLayout(b: RingBuilder, seed: number): number[] {
  const rnd = new SeededRandom(seed);
  const ids: number[] = [];
  const regions = 1 + rnd.below(3);
  for (let r = 0; r < regions; r++) {
    const zones = 1 + rnd.below(4);
    for (let z = 0; z < zones; z++) {
      const servers = 1 + rnd.below(4);
      for (let s = 0; s < servers; s++) {
        const disks = 1 + rnd.below(4);
        for (let d = 0; d < disks; d++) {
          const weight = [1, 1, 2, 3, 0.5][rnd.below(5)]!;
          ids.push(b.addDevice({ region: r, zone: z, ip: `10.${r}.${z}.${s}`, port: 6200, device: `d${d}`, weight, meta: '' }));
        }
      }
    }
  }
  return ids;
}
