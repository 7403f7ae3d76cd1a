/**
 * Whole partition-replica counts per device and failure domain. Targets are fractional (replicas
 * per partition times partitions); the builder needs integers. Two constraints pull apart:
 * - a domain whose target is a whole number of replicas per partition (a "tight" domain, e.g.
 *   one zone of three with three replicas) must get exactly that many, or some partition would
 *   need two replicas in it or none;
 * - everywhere else, balance is best when devices are rounded together, not server by server.
 * So: tight domains get their exact count and are split recursively; the devices under the
 * remaining (loose) domains are rounded as one group by largest relative shortfall, which
 * minimises the worst deviation from the targets. Domain quotas are the sums of their devices.
 */
import type { Topology } from './topology.js';

/** quota[level][node] (level 3 by device id): partition-replicas the node should hold. */
export function computeQuotas(topo: Topology, perPart: Float64Array[], partCount: number, replicas: number): Int32Array[] {
  const quota = [
    new Int32Array(topo.nodeCount[0]!), new Int32Array(topo.nodeCount[1]!),
    new Int32Array(topo.nodeCount[2]!), new Int32Array(topo.weight[3]!.length),
  ];
  assign(topo, -1, 0, replicas * partCount, perPart, partCount, quota[3]!);
  for (let id = 0; id < quota[3]!.length; id++) {
    const q = quota[3]![id]!;
    if (q === 0 || topo.nodeOf[0]![id]! < 0) continue;
    for (let l = 0; l < 3; l++) quota[l]![topo.nodeOf[l]![id]!]! += q;
  }
  return quota;
}

function isTight(x: number): boolean {
  return x >= 1 - 1e-9 && Math.abs(x - Math.round(x)) < 1e-9;
}

function assign(topo: Topology, level: number, node: number, total: number, perPart: Float64Array[], partCount: number,
  out: Int32Array): void {
  const loose: number[] = [];
  const tight: Array<[number, number, number]> = [];
  const walk = (l: number, n: number): void => {
    for (const kid of topo.childrenOf(l, n)) {
      const cl = l + 1;
      if (cl === 3) loose.push(kid);
      else if (isTight(perPart[cl]![kid]!)) tight.push([cl, kid, Math.round(perPart[cl]![kid]!) * partCount]);
      else walk(cl, kid);
    }
  };
  walk(level, node);
  let rest = total;
  for (const [, , q] of tight) rest -= q;
  roundGroup(loose, perPart[3]!, partCount, Math.max(0, rest), out);
  for (const [cl, kid, q] of tight) assign(topo, cl, kid, q, perPart, partCount, out);
}

/** Rounds the devices' targets to integers summing to `total`, each at most `partCount`. */
function roundGroup(devs: number[], perDev: Float64Array, partCount: number, total: number, out: Int32Array): void {
  if (devs.length === 0) return;
  const exact = devs.map((d) => perDev[d]! * partCount);
  const sum = exact.reduce((a, b) => a + b, 0);
  const scaled = exact.map((x) => (sum > 0 ? (x * total) / sum : total / devs.length));
  const whole = scaled.map((x) => Math.min(partCount, Math.floor(x + 1e-9)));
  let left = total - whole.reduce((a, b) => a + b, 0);
  const shortfall = (i: number): number => (scaled[i]! - whole[i]!) / (scaled[i]! || 1);
  const order = devs.map((_, i) => i).sort((a, b) => shortfall(b) - shortfall(a) || devs[a]! - devs[b]!);
  for (let pass = 0; left > 0 && pass < partCount; pass++) {
    let gave = false;
    for (const i of order) {
      if (left === 0) break;
      if (whole[i]! < partCount && (pass > 0 || scaled[i]! > whole[i]!)) {
        whole[i]!++;
        left--;
        gave = true;
      }
    }
    if (!gave && pass > 0) break;
  }
  devs.forEach((d, i) => { out[d] = whole[i]!; });
}
