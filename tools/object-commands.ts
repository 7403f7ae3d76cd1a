/**
 * Subcommands: object inspection. `strata object locate /account/container/object` prints the
 * object's partition, where each replica should be (primaries, then handoffs) and what each of
 * those devices actually holds: timestamp, size, ETag, checksum and the file on disk.
 */
import type { Command } from 'commander';
import { StoreError } from '../common/index.js';
import { Ring, ringFilePath, deviceLabel, type Device } from '../ring/index.js';
import { NodeClientPool, locateObject, DEFAULT_NODE_CLIENT_CONFIG, type LocateReport, type ReplicaReport } from '../cluster/index.js';
import { action } from './cli-error.js';
import { resolveClusterConfig } from './cluster-config.js';

interface LocateOptions {
  cluster?: string;
  handoffs?: string;
  timeout?: string;
  json?: boolean;
}

function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new StoreError('INVALID_ARGUMENT', `Cannot use ${name} "${value}": expected an integer >= 0`);
  return n;
}

function describe(r: ReplicaReport): string {
  const label = deviceLabel(r.device as Device);
  const slot = r.role === 'primary' ? `primary ${r.index}` : `handoff ${r.index}`;
  if (r.state === 'found') {
    return [
      `  ${slot.padEnd(10)} ${label}`,
      `      found     timestamp ${r.timestamp}${r.metaTimestamp && r.metaTimestamp !== r.timestamp ? ` (metadata ${r.metaTimestamp})` : ''}`,
      `                size ${r.size}  etag ${r.etag}  checksum ${r.checksum}`,
      `                path ${r.dataPath ?? '(not reported by the node)'}`,
    ].join('\n');
  }
  const what = r.state === 'missing' ? 'missing' : `error     ${r.errorCode}: ${r.error}`;
  return `  ${slot.padEnd(10)} ${label}\n      ${what}`;
}

/** The human-readable report. */
export function formatLocateReport(rep: LocateReport): string {
  const found = rep.replicas.filter((r) => r.state === 'found');
  const primariesFound = found.filter((r) => r.role === 'primary').length;
  const newest = found.reduce<string | undefined>((a, r) => (a === undefined || (r.timestamp ?? '') > a ? r.timestamp : a), undefined);
  const lines = [
    `Object     ${rep.path}`,
    `Partition  ${rep.partition} (object ring version ${rep.ringVersion}, ${rep.replicaCount} replicas)`,
    `Replicas   ${primariesFound} of ${rep.replicaCount} primaries hold it, ${found.length - primariesFound} handoffs${newest ? `; newest ${newest}` : ''}`,
    ...rep.replicas.map(describe),
  ];
  const stale = found.filter((r) => r.timestamp !== newest);
  if (stale.length > 0) lines.push(`Stale      ${stale.map((r) => deviceLabel(r.device as Device)).join(', ')} hold an older version`);
  return `${lines.join('\n')}\n`;
}

export function registerObjectCommands(program: Command): void {
  const object = program.command('object').description('Inspect objects in the cluster');
  object
    .command('locate')
    .description('Show where an object should be (partition, primaries, handoffs) and where it actually is on disk')
    .argument('<path>', '/account/container/object')
    .option('--cluster <file>', 'cluster file (default: $STRATA_CLUSTER, else the running all-in-one)')
    .option('--handoffs <n>', 'handoff devices to check (default: the replica count)')
    .option('--timeout <ms>', 'per-node timeout in ms', '3000')
    .option('--json', 'print the report as JSON')
    .action(action(async (path: string, opts: LocateOptions) => {
      const handoffs = opts.handoffs === undefined ? undefined : positiveInt(opts.handoffs, '--handoffs', 3);
      const timeoutMs = positiveInt(opts.timeout, '--timeout', 3000);
      const config = await resolveClusterConfig(opts.cluster);
      const ring = await Ring.load(ringFilePath(config.ringDir, 'object'));
      const pool = new NodeClientPool({ ...DEFAULT_NODE_CLIENT_CONFIG, peerSecret: config.peerSecret, connectTimeoutMs: timeoutMs, nodeTimeoutMs: timeoutMs, keepaliveMs: 0 });
      try {
        const report = await locateObject(ring, pool, path, { handoffs, timeoutMs });
        process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatLocateReport(report));
        if (!report.replicas.some((r) => r.state === 'found')) {
          throw new StoreError('NOT_FOUND', `Cannot find object "${report.path}" on any of its ${report.replicas.length} devices`);
        }
      } finally {
        pool.close();
      }
    }));
}
