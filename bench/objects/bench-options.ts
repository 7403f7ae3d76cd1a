/**
 * Options shared by `run` and `compare`: bounds, credentials and defaults per scenario, and
 * the target factory.
 */
import type { Command } from 'commander';
import { S3Target } from './s3-target.js';
import type { Scenario } from './scenarios.js';
import type { RunBounds } from './scenario-runner.js';
import { SwiftTarget } from './swift-target.js';
import type { ApiName, ObjectTarget, TargetOptions } from './target.js';

export interface CommonOptions {
  concurrency?: string;
  count: string;
  duration: string;
  prepareObjects?: string;
  prepareTimeout: string;
  pageSize?: string;
  user: string;
  key: string;
  region: string;
  timeout: string;
  out: string;
}

/** Adds the options every benchmark command takes. */
export function addCommonOptions(cmd: Command): Command {
  return cmd
    .option('--concurrency <n>', 'concurrent operations (default: the scenario\'s)')
    .option('--count <n>', 'at most this many measured operations', '1000000')
    .option('--duration <s>', 'at most this many seconds of measurement', '20')
    .option('--prepare-objects <n>', 'objects to store before get/mixed/list (default: the scenario\'s)')
    .option('--prepare-timeout <s>', 'give up preparing after this many seconds', '900')
    .option('--page-size <n>', 'listing page size (default: 10000 Swift, 1000 S3)')
    .option('--user <account:user>', 'Swift user / S3 access key', 'test:tester')
    .option('--key <key>', 'Swift key / S3 secret key', 'testing')
    .option('--region <r>', 'S3 region for SigV4', 'us-east-1')
    .option('--timeout <ms>', 'per-request timeout', '120000')
    .option('--out <file>', 'JSON lines file', 'bench/results/objects.jsonl');
}

function positive(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`Invalid --${name} "${value}": expected a positive number`);
  return n;
}

/**
 * Bounds of one run from the options and the scenario's defaults.
 * @throws Error on a non-positive or non-numeric value
 */
export function boundsFor(o: CommonOptions, s: Scenario, api: ApiName): RunBounds {
  return {
    concurrency: Math.floor(positive(o.concurrency, 'concurrency', s.concurrency)),
    count: Math.floor(positive(o.count, 'count', 1_000_000)),
    durationSec: positive(o.duration, 'duration', 20),
    prepareObjects: Math.floor(positive(o.prepareObjects, 'prepare-objects', s.prepareObjects || 1)),
    prepareTimeoutSec: positive(o.prepareTimeout, 'prepare-timeout', 900),
    pageSize: Math.floor(positive(o.pageSize, 'page-size', api === 'swift' ? 10_000 : 1000)),
  };
}

/** A target for the API at `endpoint`. */
export function makeTarget(api: ApiName, endpoint: string, o: CommonOptions, concurrency: number): ObjectTarget {
  const opts: TargetOptions = {
    endpoint, user: o.user, key: o.key, region: o.region, concurrency,
    requestTimeoutMs: positive(o.timeout, 'timeout', 120_000),
  };
  return api === 'swift' ? new SwiftTarget(opts) : new S3Target(opts);
}

/** Parses "swift", "s3" or "swift,s3". */
export function parseApis(value: string): ApiName[] {
  const apis = value.split(',').map((s) => s.trim());
  for (const a of apis) if (a !== 'swift' && a !== 's3') throw new Error(`Invalid --api "${a}": use swift, s3 or swift,s3`);
  return apis as ApiName[];
}

/** Container/bucket name of a scenario: shared across runs so preparation is reused. */
export function containerFor(s: Scenario, prepareObjects: number): string {
  return s.kind === 'list' ? `bench-list-${prepareObjects}` : `bench-${s.name}`;
}
