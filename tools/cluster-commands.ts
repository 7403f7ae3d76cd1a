/**
 * Subcommands: cluster-wide durability. `strata cluster health` (exit 1 when something needs the
 * operator), `strata cluster dispersion` (sentinel objects, swift-dispersion-report style) and
 * `strata cluster run-worker NAME` (one full pass of a worker on every node now). Each finds the
 * cluster with --cluster FILE, $STRATA_CLUSTER or the running all-in-one.
 */
import type { Command } from 'commander';
import { StoreError } from '../common/index.js';
import { ReplicationClientPool, DEFAULT_NODE_CLIENT_CONFIG } from '../cluster/index.js';
import { action } from './cli-error.js';
import { resolveClusterConfig } from './cluster-config.js';
import { gatherHealth, formatHealth, clusterNodes } from './cluster-health.js';
import { runDispersion, formatDispersion } from './cluster-dispersion.js';
import { registerMovementCommands } from './movement-commands.js';
import { registerRebalanceCommands } from './rebalance-commands.js';

function num(value: string | undefined, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > max) throw new StoreError('INVALID_ARGUMENT', `Cannot use ${name} "${value}": expected a number from 0 to ${max}`);
  return n;
}

const WORKERS = ['replicator', 'listing-replicator', 'auditor', 'expirer', 'updater'];

export function registerClusterCommands(program: Command): void {
  const cluster = program.command('cluster').description('Cluster-wide health, dispersion and durability passes');

  cluster.command('health')
    .description('Nodes up, devices, ring versions, replication age, quarantines, journal depth; exit 1 when something needs the operator')
    .option('--cluster <file>', 'cluster file (default: $STRATA_CLUSTER or the running all-in-one)')
    .option('--json', 'print the report as JSON')
    .option('--max-replication-age <seconds>', 'replication older than this needs the operator', '3600')
    .option('--max-journal <n>', 'more waiting listing updates than this need the operator', '1000')
    .option('--timeout <ms>', 'how long to wait for each node', '3000')
    .action(action(async (o: { cluster?: string; json?: boolean; maxReplicationAge?: string; maxJournal?: string; timeout?: string }) => {
      const config = await resolveClusterConfig(o.cluster);
      const report = await gatherHealth(config, {
        maxReplicationAgeMs: num(o.maxReplicationAge, '--max-replication-age', 3600) * 1000,
        maxJournalDepth: num(o.maxJournal, '--max-journal', 1000),
        timeoutMs: num(o.timeout, '--timeout', 3000, 600_000),
      });
      process.stdout.write(`${o.json ? JSON.stringify(report, null, 2) : formatHealth(report)}\n`);
      if (report.problems.length > 0) process.exitCode = 1;
    }));

  cluster.command('dispersion')
    .description('Write sentinel objects once over the partitions, then report how many have all their replicas')
    .option('--cluster <file>', 'cluster file (default: $STRATA_CLUSTER or the running all-in-one)')
    .option('--json', 'print the report as JSON')
    .option('--coverage <percent>', 'share of the object ring\'s partitions to place sentinels in', '10')
    .option('--populate', 'write the sentinel objects again even if they exist')
    .action(action(async (o: { cluster?: string; json?: boolean; coverage?: string; populate?: boolean }) => {
      const config = await resolveClusterConfig(o.cluster);
      const coveragePercent = num(o.coverage, '--coverage', 10, 100);
      if (coveragePercent <= 0) throw new StoreError('INVALID_ARGUMENT', `Cannot use --coverage "${o.coverage}": must be above 0`);
      const r = await runDispersion(config, { coveragePercent, populate: Boolean(o.populate) });
      process.stdout.write(`${o.json ? JSON.stringify(r, null, 2) : formatDispersion(r)}\n`);
    }));

  cluster.command('run-worker')
    .description(`Run one full pass of a worker (${WORKERS.join(', ')}) on every storage node now`)
    .argument('<worker>', 'worker name')
    .option('--cluster <file>', 'cluster file (default: $STRATA_CLUSTER or the running all-in-one)')
    .action(action(async (worker: string, o: { cluster?: string }) => {
      if (!WORKERS.includes(worker)) throw new StoreError('INVALID_ARGUMENT', `Cannot run worker "${worker}": not one of ${WORKERS.join(', ')}`);
      const config = await resolveClusterConfig(o.cluster);
      const { addresses } = await clusterNodes(config);
      const pool = new ReplicationClientPool({ ...DEFAULT_NODE_CLIENT_CONFIG, peerSecret: config.peerSecret });
      let failed = 0;
      try {
        for (const { ip, port } of addresses) {
          try {
            const result = await pool.get(ip, port).runWorker(worker, { timeoutMs: 600_000 });
            process.stdout.write(`${ip}:${port} ${worker} pass ${result}\n`);
          } catch (err) {
            failed += 1;
            process.stdout.write(`${ip}:${port} ${worker} failed: ${(err as Error).message}\n`);
          }
        }
      } finally {
        pool.close();
      }
      if (failed > 0) throw new StoreError('UNAVAILABLE', `Cannot run "${worker}" on ${failed} of ${addresses.length} nodes`);
    }));

  registerMovementCommands(cluster);
  registerRebalanceCommands(cluster);
}
