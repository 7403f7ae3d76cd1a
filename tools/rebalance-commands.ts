/**
 * Subcommands: `strata cluster rebalance`, `drain NODE|DEVICE`, `remove-node NODE` and
 * `push-rings`. Thin:
 * parse flags, run the operation (tools/rebalance/), print the result (text or --json), follow
 * the movement with --watch (tools/movement/), set the exit code. Refusals are one line with a
 * non-zero exit code (cli-error.ts).
 */
import type { Command } from 'commander';
import { StoreError } from '../common/index.js';
import { action } from './cli-error.js';
import { resolveClusterConfig, type ClusterConfig } from './cluster-config.js';
import { loadRingSet, type RingSet } from './rebalance/ring-set.js';
import type { FlowIO } from './rebalance/rebalance-flow.js';
import { clusterFlowIO } from './rebalance/cluster-io.js';
import {
  rebalanceOperation, drainOperation, removeNodeOperation, stepsAfterMovement, type OperationOptions, type OperationResult,
} from './rebalance/operations.js';
import { showMovement, clusterSources, chooseMode } from './movement/movement-watch.js';
import { clusterMovementNodes } from './rebalance/movement-nodes.js';
import { pushRingFiles, formatPushRings } from './rebalance/push-rings.js';

interface CommonFlags { cluster?: string; yes?: boolean; dryRun?: boolean; force?: boolean; watch?: boolean; json?: boolean; seed?: string }

function parseSeed(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{1,9}$/.test(v)) throw new StoreError('INVALID_ARGUMENT', `Cannot use --seed "${v}": not a whole number >= 0`);
  return Number(v);
}

function options(f: CommonFlags): OperationOptions {
  const seed = parseSeed(f.seed);
  return { yes: Boolean(f.yes), dryRun: Boolean(f.dryRun), force: Boolean(f.force), ...(seed !== undefined ? { seed } : {}) };
}

/** The result as JSON: the preview, what was pushed, what to do next (tables are not dumped). */
function resultJson(r: OperationResult): Record<string, unknown> {
  return {
    outcome: r.outcome, preview: r.preview, pushed: r.pushed, failedPushes: r.failedPushes.map((p) => p.address),
    next: r.next, warnings: r.warnings, ...(r.target ? { target: r.target } : {}),
  };
}

/** Follows the movement until it is done (Ctrl-C ends the watch, not the movement). */
async function watch(config: ClusterConfig, json: boolean | undefined): Promise<boolean> {
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  process.once('SIGINT', stop);
  try {
    const p = await showMovement(clusterSources(config), {
      mode: chooseMode(json, process.stdout), watch: true, intervalMs: 2_000, out: process.stdout, signal: ac.signal,
    });
    return p.snapshot.done;
  } finally {
    process.off('SIGINT', stop);
  }
}

async function run(f: CommonFlags, op: (set: RingSet, io: FlowIO, o: OperationOptions) => Promise<OperationResult>): Promise<void> {
  const config = await resolveClusterConfig(f.cluster);
  const json = Boolean(f.json);
  const o = options(f);
  const set = await loadRingSet(config.ringDir);
  const io = clusterFlowIO(config, { quiet: json });
  let r: OperationResult;
  try {
    r = await op(set, io, o);
  } finally {
    io.nodes.close();
  }
  const say = (s: string): void => { if (!json) process.stdout.write(`${s}\n`); };
  let next = r.next;
  if (f.watch && r.outcome === 'pushed') {
    if (await watch(config, f.json)) next = [...next, ...stepsAfterMovement(set, r)];
  }
  if (json) process.stdout.write(`${JSON.stringify({ ...resultJson(r), next }, null, 2)}\n`);
  for (const line of next) say(line);
  if (r.failedPushes.length > 0) process.exitCode = 1;
}

function common(cmd: Command, what: string): Command {
  return cmd
    .option('--cluster <file>', 'cluster file (default: $STRATA_CLUSTER or the running all-in-one)')
    .option('--yes', `${what} without asking (for scripts)`)
    .option('--dry-run', 'show the preview only; write and push nothing')
    .option('--force', 'go ahead although the previous movement has not finished (min_part_hours then applies)')
    .option('--json', 'print the result as JSON');
}

export function registerRebalanceCommands(cluster: Command): void {
  common(cluster.command('rebalance'), 'push the new rings')
    .description('Rebalance the account, container and object rings: preview what moves, confirm, write and push the rings to every storage node')
    .option('--watch', 'after pushing, follow the movement until it is done')
    .option('--seed <n>', 'seed of the rebalance (deterministic placement)')
    .action(action(async (f: CommonFlags) => {
      await run(f, rebalanceOperation);
    }));

  common(cluster.command('drain'), 'drain')
    .description('Move all data off a node (its id such as "n3", or ip:port) or a device (ip:port/device): weight 0, preview, confirm, push')
    .argument('<target>', 'node id, ip:port or ip:port/device')
    .option('--watch', 'after pushing, follow the movement until it is done')
    .option('--seed <n>', 'seed of the rebalance (deterministic placement)')
    .action(action(async (target: string, f: CommonFlags) => {
      await run(f, (set, io, o) => drainOperation(set, io, target, o));
    }));

  common(cluster.command('remove-node'), 'remove the node')
    .description('Remove a drained node from the account, container and object rings (refused while it holds data)')
    .argument('<node>', 'node id (such as "n3") or ip:port')
    .action(action(async (node: string, f: CommonFlags) => {
      await run(f, (set, io, o) => removeNodeOperation(set, io, node, o));
    }));

  cluster.command('push-rings')
    .description('Send the ring files as they are to every storage node again (e.g. to a node that was down); nodes never take an older ring')
    .option('--cluster <file>', 'cluster file (default: $STRATA_CLUSTER or the running all-in-one)')
    .option('--json', 'print the result as JSON')
    .action(action(async (f: { cluster?: string; json?: boolean }) => {
      const config = await resolveClusterConfig(f.cluster);
      const nodes = clusterMovementNodes(config);
      try {
        const r = await pushRingFiles(config, nodes);
        process.stdout.write(f.json ? `${JSON.stringify(r, null, 2)}\n` : `${formatPushRings(r).join('\n')}\n`);
        if (r.results.some((x) => x.error !== undefined)) process.exitCode = 1;
      } finally {
        nodes.close();
      }
    }));
}
