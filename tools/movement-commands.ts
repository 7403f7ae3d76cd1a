/**
 * Subcommands of `strata cluster` for data movement: `status` (what moved, what is left, rate,
 * ETA, per-device fill, ring versions; live with --watch), `throttle`, `pause`, `resume` (the
 * cluster-wide movement control) and `add-node` (a running storage node, or with --local one
 * more node of the all-in-one). Thin: parsing and printing; the work is in tools/movement/.
 */
import type { Command } from 'commander';
import { StoreError } from '../common/index.js';
import { action } from './cli-error.js';
import { resolveClusterConfig } from './cluster-config.js';
import { chooseMode, clusterSources, showMovement } from './movement/movement-watch.js';
import { changeMovementControl, formatControlOutcome, type ControlOutcome } from './movement/movement-control.js';
import { parseRate } from './movement/movement-units.js';
import { addNode, formatAddNode } from './movement/add-node.js';
import { addLocalNode, formatLocalAdd } from './movement/add-local-node.js';

function number(value: string | undefined, flag: string, fallback: number, o: { min?: number; max?: number; integer?: boolean } = {}): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  const min = o.min ?? 0;
  const max = o.max ?? Number.MAX_SAFE_INTEGER;
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max || (o.integer && !Number.isInteger(n))) {
    throw new StoreError('INVALID_ARGUMENT', `Cannot use ${flag} "${value}": expected ${o.integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
  }
  return n;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function report(outcome: ControlOutcome): void {
  process.stdout.write(`${formatControlOutcome(outcome)}\n`);
  if (outcome.results.some((r) => !r.control)) process.exitCode = 1;
}

interface StatusFlags { cluster?: string; json?: boolean; watch?: boolean; interval?: string; timeout?: string }
interface AddNodeFlags {
  cluster?: string; local?: boolean; ip?: string; port?: string; device: string[]; weight?: string; zone?: string;
  region?: string; id?: string; timeout?: string;
}

export function registerMovementCommands(cluster: Command): void {
  cluster.command('status')
    .description('Data movement: what moved, what is left, rate, ETA, per-device fill, ring versions; exit 1 when nodes are unreachable')
    .option('--cluster <file>', 'cluster file (default: $STRATA_CLUSTER or the running all-in-one)')
    .option('--json', 'print JSON (one document; one line per sample with --watch)')
    .option('--watch', 'keep sampling until the movement is done (or Ctrl-C)')
    .option('--interval <seconds>', 'seconds between samples with --watch', '2')
    .option('--timeout <ms>', 'how long to wait for each node', '10000')
    .action(action(async (o: StatusFlags) => {
      const intervalMs = number(o.interval, '--interval', 2, { min: 0.1, max: 3600 }) * 1000;
      const timeoutMs = number(o.timeout, '--timeout', 10000, { min: 1, max: 600_000 });
      const config = await resolveClusterConfig(o.cluster);
      const abort = new AbortController();
      const onInt = (): void => abort.abort();
      process.once('SIGINT', onInt);
      try {
        const p = await showMovement(clusterSources(config, timeoutMs), {
          mode: chooseMode(o.json, process.stdout), watch: Boolean(o.watch), intervalMs, out: process.stdout, signal: abort.signal,
        });
        if (p.snapshot.unreachable.length > 0) process.exitCode = 1;
      } finally {
        process.removeListener('SIGINT', onInt);
      }
    }));

  cluster.command('throttle')
    .description('Set the cluster-wide data-movement rate limit (each node gets its share); 0 for unlimited')
    .requiredOption('--rate <rate>', 'e.g. 50MiB, 100MB/s, 0 (unlimited)')
    .option('--cluster <file>', 'cluster file (default: $STRATA_CLUSTER or the running all-in-one)')
    .action(action(async (o: { rate: string; cluster?: string }) => {
      const maxBytesPerSec = parseRate(o.rate);
      report(await changeMovementControl(await resolveClusterConfig(o.cluster), { maxBytesPerSec }));
    }));

  cluster.command('pause')
    .description('Pause data movement on every node (client requests and replication between primaries go on)')
    .option('--cluster <file>', 'cluster file (default: $STRATA_CLUSTER or the running all-in-one)')
    .action(action(async (o: { cluster?: string }) => {
      report(await changeMovementControl(await resolveClusterConfig(o.cluster), { paused: true }));
    }));

  cluster.command('resume')
    .description('Resume data movement on every node')
    .option('--cluster <file>', 'cluster file (default: $STRATA_CLUSTER or the running all-in-one)')
    .action(action(async (o: { cluster?: string }) => {
      report(await changeMovementControl(await resolveClusterConfig(o.cluster), { paused: false }));
    }));

  cluster.command('add-node')
    .description('Register a running storage node\'s devices in the account, container and object builders (then run `strata cluster rebalance`); --local adds and starts one more all-in-one node')
    .option('--local', 'add one more storage node (one device) to the running all-in-one')
    .option('--ip <ip>', 'the node\'s address')
    .option('--port <port>', 'the node\'s gRPC port')
    .option('--device <name>', 'a device of the node (repeat for each)', collect, [])
    .option('--weight <w>', 'weight of each device', '100')
    .option('--zone <z>', 'zone (default: a new zone)')
    .option('--region <r>', 'region', '1')
    .option('--id <name>', 'node name stored with its devices (default: the node\'s own id)')
    .option('--timeout <ms>', 'how long to wait for the node', '5000')
    .option('--cluster <file>', 'cluster file (default: $STRATA_CLUSTER or the running all-in-one)')
    .action(action(async (o: AddNodeFlags) => {
      const weight = number(o.weight, '--weight', 100);
      const timeoutMs = number(o.timeout, '--timeout', 5000, { min: 1, max: 600_000 });
      const config = await resolveClusterConfig(o.cluster);
      if (o.local) {
        if (o.ip || o.port || o.device.length > 0) throw new StoreError('INVALID_ARGUMENT', 'Cannot add a node: --local takes no --ip, --port or --device');
        const outcome = await addLocalNode(config, { weight, timeoutMs: Math.max(timeoutMs, 60_000) });
        process.stdout.write(`${formatLocalAdd(outcome)}\n${formatAddNode(outcome.registration)}\n`);
        return;
      }
      if (!o.ip || !o.port || o.device.length === 0) throw new StoreError('INVALID_ARGUMENT', 'Cannot add a node: give --ip, --port and at least one --device (or --local)');
      const zone = o.zone === undefined ? undefined : number(o.zone, '--zone', 0, { integer: true });
      const outcome = await addNode(config, {
        ip: o.ip, port: number(o.port, '--port', 0, { min: 1, max: 65535, integer: true }), devices: o.device, weight,
        region: number(o.region, '--region', 1, { integer: true }), ...(zone !== undefined ? { zone } : {}), ...(o.id ? { id: o.id } : {}),
      }, { timeoutMs });
      process.stdout.write(`${formatAddNode(outcome)}\n`);
      if (outcome.pushed.some((p) => p.error) || outcome.control?.results.some((r) => !r.control)) process.exitCode = 1;
    }));
}
