/**
 * `strata cluster dispersion`, like swift-dispersion-report: sentinel objects in a reserved
 * account, one per partition for a share (`coverage` %) of the object ring's partitions, are
 * written once through the replicated cluster; each report asks every primary of every sentinel
 * directly whether it holds it, and counts sentinels with all replicas, missing one, two, or all.
 * The sentinel names are found again by the same deterministic search, so nothing is stored
 * besides the objects themselves.
 */
import { Readable } from 'node:stream';
import { StoreError } from '../common/index.js';
import type { Ring } from '../ring/index.js';
import { openReplicatedCluster, type ClusterConfig, type NodeClientPool } from '../cluster/index.js';

export const DISPERSION_ACCOUNT = '.strata_dispersion';
export const DISPERSION_CONTAINER = 'dispersion_objects';

export interface DispersionResult {
  partitionsCovered: number;
  partitionCount: number;
  replicas: number;
  objects: number;
  /** objects with all replicas; then missing exactly 1, 2; missing all. */
  full: number;
  missing1: number;
  missing2: number;
  /** Missing more than two (but not all) when there are more than three replicas. */
  missingMore: number;
  missingAll: number;
  /** Replica checks that failed with an error other than NOT_FOUND (counted as missing). */
  errors: number;
  /** Share of sentinels with every replica (%). */
  percentFull: number;
  populated: number;
}

/** The sentinel names: the first name found for each of `count` partitions, deterministically. */
export function sentinelNames(ring: Ring, coveragePercent: number): Array<{ name: string; partition: number }> {
  const want = Math.max(1, Math.ceil((ring.partCount * coveragePercent) / 100));
  const seen = new Set<number>();
  const out: Array<{ name: string; partition: number }> = [];
  // Bounded: with random hashing, covering every partition takes about n·ln(n) tries.
  const maxTries = Math.max(1000, ring.partCount * 40);
  for (let i = 0; out.length < want && i < maxTries; i++) {
    const name = `sentinel-${i}`;
    const partition = ring.partOf(`/${DISPERSION_ACCOUNT}/${DISPERSION_CONTAINER}/${name}`);
    if (seen.has(partition)) continue;
    seen.add(partition);
    out.push({ name, partition });
  }
  return out;
}

/** Counts replicas of every sentinel. */
export async function checkDispersion(ring: Ring, pool: NodeClientPool, sentinels: Array<{ name: string; partition: number }>, populated: number): Promise<DispersionResult> {
  const r: DispersionResult = {
    partitionsCovered: sentinels.length, partitionCount: ring.partCount, replicas: ring.replicaCount, objects: sentinels.length,
    full: 0, missing1: 0, missing2: 0, missingMore: 0, missingAll: 0, errors: 0, percentFull: 0, populated,
  };
  // A node that does not connect counts as missing for all its sentinels, after one wait, not one per object.
  const reachable = new Map<string, Promise<boolean>>();
  const up = (ip: string, port: number): Promise<boolean> => {
    const key = `${ip}:${port}`;
    let v = reachable.get(key);
    if (!v) {
      v = pool.get(ip, port).waitConnected(2000).then(() => true, () => false);
      reachable.set(key, v);
    }
    return v;
  };
  const limit = 16;
  for (let i = 0; i < sentinels.length; i += limit) {
    await Promise.all(sentinels.slice(i, i + limit).map(async ({ name, partition }) => {
      let found = 0;
      for (const d of ring.primaries(partition)) {
        if (!(await up(d.ip, d.port))) {
          r.errors += 1;
          continue;
        }
        try {
          await pool.get(d.ip, d.port).headObject({ device: d.device, partition, account: DISPERSION_ACCOUNT, container: DISPERSION_CONTAINER, object: name }, { timeoutMs: 5000 });
          found += 1;
        } catch (err) {
          if (!(err instanceof StoreError && err.code === 'NOT_FOUND')) r.errors += 1;
        }
      }
      const missing = ring.replicaCount - found;
      if (missing === 0) r.full += 1;
      else if (found === 0) r.missingAll += 1;
      else if (missing === 1) r.missing1 += 1;
      else if (missing === 2) r.missing2 += 1;
      else r.missingMore += 1;
    }));
  }
  r.percentFull = r.objects === 0 ? 100 : Math.round((r.full / r.objects) * 10_000) / 100;
  return r;
}

/**
 * Writes the sentinels when asked, or when their container does not exist yet, then reports.
 * @throws NOT_FOUND, CORRUPT (rings), QUORUM_NOT_MET (cannot write the sentinels)
 */
export async function runDispersion(cluster: ClusterConfig, opts: { coveragePercent: number; populate: boolean }): Promise<DispersionResult> {
  const opened = await openReplicatedCluster({ ringDir: cluster.ringDir, config: { peerSecret: cluster.peerSecret } });
  try {
    const ring = opened.rings.object.ring;
    const sentinels = sentinelNames(ring, opts.coveragePercent);
    const c = opened.cluster;
    const path = { account: DISPERSION_ACCOUNT, container: DISPERSION_CONTAINER };
    let populate = opts.populate;
    if (!populate) {
      populate = await c.headContainer(path).then(() => false, (err: unknown) => {
        if (err instanceof StoreError && err.code === 'NOT_FOUND') return true;
        throw err;
      });
    }
    let populated = 0;
    if (populate) {
      await c.putContainer(path, {});
      for (const { name } of sentinels) {
        const body = Buffer.from(name);
        await c.putObject({ ...path, object: name, body: Readable.from([body]), contentType: 'text/plain', metadata: {}, contentLength: body.length });
        populated += 1;
      }
    }
    return await checkDispersion(ring, opened.pool, sentinels, populated);
  } finally {
    opened.close();
  }
}

/** The human-readable report. */
export function formatDispersion(r: DispersionResult): string {
  const pct = (n: number) => (r.objects === 0 ? '0.00' : ((n / r.objects) * 100).toFixed(2));
  const lines = [
    ...(r.populated > 0 ? [`Wrote ${r.populated} sentinel objects`] : []),
    `Queried ${r.objects} objects over ${r.partitionsCovered} of ${r.partitionCount} partitions (${r.replicas} replicas each)`,
    `  ${r.full} (${pct(r.full)}%) have all replicas`,
    `  ${r.missing1} (${pct(r.missing1)}%) are missing 1 replica`,
    `  ${r.missing2} (${pct(r.missing2)}%) are missing 2 replicas`,
  ];
  if (r.missingMore > 0) lines.push(`  ${r.missingMore} (${pct(r.missingMore)}%) are missing more`);
  lines.push(`  ${r.missingAll} (${pct(r.missingAll)}%) are missing all replicas`);
  if (r.errors > 0) lines.push(`  ${r.errors} replica checks failed with errors (counted as missing)`);
  lines.push(`Object copies found: ${r.percentFull}% of sentinels at full strength`);
  return lines.join('\n');
}
