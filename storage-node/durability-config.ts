/**
 * The durability workers' part of the storage-node config (replicator, auditor, expirer, suffix
 * hash cache), parsed by config.ts with the rest. Defaults suit a production node; tests and the
 * all-in-one shorten the intervals.
 */
export interface DurabilityConfig {
  /** Pause of the replicator between passes (ms). */
  replicatorIntervalMs: number;
  /** Bytes per second the replicator may push; 0: unlimited. */
  replicatorMaxBytesPerSec: number;
  /** Partitions per replicator runOnce() (bounds one step between yields to client traffic). */
  replicatorPartitionsPerRun: number;
  /** Partitions the object and listing replicators work on at once (their cost is round trips). */
  replicatorConcurrency: number;
  /**
   * How long a primary partition found identical on a peer is not compared with it again while
   * neither side changes (ms; 0: compare every pass): the longest a change the cache missed
   * (a file removed behind the node's back) can wait, with suffixHashMaxAgeMs.
   */
  replicatorAgreementTtlMs: number;
  /** Tombstones older than this are removed (ms; Swift's reclaim_age, a week by default). */
  reclaimAgeMs: number;
  /** Least time between two tombstone reclaim walks (ms). */
  reclaimIntervalMs: number;
  /** Cached suffix hashes older than this are recomputed (ms). */
  suffixHashMaxAgeMs: number;
  /** Pause of the auditor between passes (ms). */
  auditorIntervalMs: number;
  /** Bytes per second the auditor reads; 0: unlimited. */
  auditorBytesPerSec: number;
  /** Object files per second the auditor checks; 0: unlimited. */
  auditorFilesPerSec: number;
  /** Pause of the expirer between passes (ms). */
  expirerIntervalMs: number;
  /** Longest wait of data movement for a gap in client requests, per file or listing sent (ms); 0: no waiting. */
  movementYieldMs: number;
  /** False: no background replicator, auditor or expirer (passes still run through RunWorker). */
  durabilityWorkers: boolean;
}

export const DEFAULT_DURABILITY_CONFIG: Readonly<DurabilityConfig> = Object.freeze({
  replicatorIntervalMs: 30_000,
  replicatorMaxBytesPerSec: 0,
  replicatorPartitionsPerRun: 16,
  replicatorConcurrency: 4,
  replicatorAgreementTtlMs: 600_000,
  reclaimAgeMs: 7 * 24 * 3_600_000,
  reclaimIntervalMs: 3_600_000,
  suffixHashMaxAgeMs: 24 * 3_600_000,
  auditorIntervalMs: 300_000,
  auditorBytesPerSec: 10 * 1024 * 1024,
  auditorFilesPerSec: 20,
  expirerIntervalMs: 60_000,
  movementYieldMs: 25,
  durabilityWorkers: true,
});

/** Option names this part accepts (config.ts rejects others). */
export const DURABILITY_CONFIG_KEYS: readonly string[] = Object.keys(DEFAULT_DURABILITY_CONFIG);

/**
 * Reads the durability options from a raw config object, appending problems to `errors`.
 */
export function parseDurabilityConfig(src: Record<string, unknown>, errors: string[]): DurabilityConfig {
  const out: DurabilityConfig = { ...DEFAULT_DURABILITY_CONFIG };
  const ranges: Record<string, [number, number]> = {
    replicatorIntervalMs: [10, 86_400_000], replicatorMaxBytesPerSec: [0, Number.MAX_SAFE_INTEGER],
    replicatorPartitionsPerRun: [1, 1_000_000], replicatorConcurrency: [1, 64],
    replicatorAgreementTtlMs: [0, Number.MAX_SAFE_INTEGER], reclaimAgeMs: [0, Number.MAX_SAFE_INTEGER],
    reclaimIntervalMs: [0, Number.MAX_SAFE_INTEGER], suffixHashMaxAgeMs: [0, Number.MAX_SAFE_INTEGER],
    auditorIntervalMs: [10, 86_400_000], auditorBytesPerSec: [0, Number.MAX_SAFE_INTEGER],
    auditorFilesPerSec: [0, 1_000_000], expirerIntervalMs: [10, 86_400_000], movementYieldMs: [0, 60_000],
  };
  for (const [key, [min, max]] of Object.entries(ranges)) {
    const v = src[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) errors.push(`"${key}" must be an integer from ${min} to ${max}`);
    else (out as unknown as Record<string, number>)[key] = v;
  }
  if (src.durabilityWorkers !== undefined) {
    if (typeof src.durabilityWorkers !== 'boolean') errors.push('"durabilityWorkers" must be true or false');
    else out.durabilityWorkers = src.durabilityWorkers;
  }
  return out;
}
