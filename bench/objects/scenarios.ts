/**
 * The object scenarios of issue 8: sizes, default concurrency and bounds, and the operation
 * mix each one drives. The runner (scenario-runner.ts) interprets `kind`.
 */
export type ScenarioKind = 'put' | 'get' | 'big' | 'list' | 'mixed';

export interface Scenario {
  name: string;
  kind: ScenarioKind;
  /** Object size in bytes. */
  size: number;
  concurrency: number;
  /** Objects prepared before a get/mixed run (not measured). */
  prepareObjects: number;
}

const KIB = 1024;
const MIB = 1024 * KIB;

export const SCENARIOS: Readonly<Record<string, Scenario>> = Object.freeze({
  'put-4k': { name: 'put-4k', kind: 'put', size: 4 * KIB, concurrency: 32, prepareObjects: 0 },
  'get-4k': { name: 'get-4k', kind: 'get', size: 4 * KIB, concurrency: 32, prepareObjects: 1000 },
  'put-1m': { name: 'put-1m', kind: 'put', size: MIB, concurrency: 16, prepareObjects: 0 },
  'get-1m': { name: 'get-1m', kind: 'get', size: MIB, concurrency: 16, prepareObjects: 200 },
  'big-256m': { name: 'big-256m', kind: 'big', size: 256 * MIB, concurrency: 1, prepareObjects: 0 },
  'list-100k': { name: 'list-100k', kind: 'list', size: 0, concurrency: 1, prepareObjects: 100_000 },
  mixed: { name: 'mixed', kind: 'mixed', size: 4 * KIB, concurrency: 32, prepareObjects: 1000 },
});

/** Read-mostly mix for `mixed`: cumulative weights out of 100. */
export const MIXED_WEIGHTS = [
  { op: 'GET', upTo: 70 },
  { op: 'PUT', upTo: 85 },
  { op: 'HEAD', upTo: 95 },
  { op: 'DELETE', upTo: 100 },
] as const;

/**
 * PUT scenarios of objects of 1 MiB and more overwrite a fixed pool of names, so a long run
 * does not fill the disk (4 KiB PUTs use new names: creating objects is what they measure).
 */
export const OVERWRITE_POOL = 256;

/**
 * Returns the scenario with that name.
 * @throws Error listing the known names when there is none
 */
export function scenarioByName(name: string): Scenario {
  const s = SCENARIOS[name];
  if (!s) throw new Error(`Unknown scenario "${name}": use one of ${Object.keys(SCENARIOS).join(', ')}`);
  return s;
}
