/**
 * `strata start`: the all-in-one. Creates the data folder on first use, then runs the storage
 * nodes, the proxy and the block gateway as child processes, prints the endpoints and
 * credentials, and stops them all on Ctrl-C or SIGTERM. Data survives restarts.
 */
import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { createLogger, StoreError } from '../common/index.js';
import { action } from './cli-error.js';
import { recordAllInOne } from './cluster-config.js';
import { initialiseLayout, readLayout, type AllInOneOptions } from './all-in-one/layout.js';
import { writeProcessConfigs } from './all-in-one/process-configs.js';
import { Supervisor } from './all-in-one/supervisor.js';
import { describeEndpoints } from './all-in-one/banner.js';
import { LayoutReloader } from './all-in-one/layout-reload.js';
import { writeAllInOnePid, removeAllInOnePid } from './all-in-one/run-file.js';

interface StartFlags {
  dataDir: string;
  bind: string;
  proxyPort: string;
  basePort: string;
  blockPort: string;
  nodes: string;
  partPower: string;
  logLevel: string;
}

function parsePort(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new StoreError('INVALID_ARGUMENT', `Cannot start: ${flag} "${value}" is not a port number`);
  }
  return n;
}

async function start(flags: StartFlags): Promise<void> {
  const nodeCount = Number(flags.nodes);
  if (!Number.isInteger(nodeCount) || nodeCount < 1 || nodeCount > 64) {
    throw new StoreError('INVALID_ARGUMENT', `Cannot start: --nodes "${flags.nodes}" must be 1 to 64`);
  }
  const partPower = Number(flags.partPower);
  if (!Number.isInteger(partPower) || partPower < 4 || partPower > 20) {
    throw new StoreError('INVALID_ARGUMENT', `Cannot start: --part-power "${flags.partPower}" must be 4 to 20`);
  }
  const options: AllInOneOptions = {
    dataDir: resolve(flags.dataDir),
    bindIp: flags.bind,
    proxyPort: parsePort(flags.proxyPort, '--proxy-port'),
    basePort: parsePort(flags.basePort, '--base-port'),
    blockPort: parsePort(flags.blockPort, '--block-port'),
    nodeCount,
    replicas: Math.min(3, nodeCount),
    partPower,
  };
  const log = createLogger({ name: 'all-in-one', level: flags.logLevel as 'info' });
  const layout = (await readLayout(options.dataDir)) ?? (await initialiseLayout(options));
  const specs = await writeProcessConfigs(options.dataDir, layout, flags.logLevel);
  await recordAllInOne(join(options.dataDir, 'cluster.json'));

  const entry = fileURLToPath(new URL('./strata.js', import.meta.url));
  await mkdir(join(options.dataDir, 'run'), { recursive: true });
  const supervisor = new Supervisor(entry, join(options.dataDir, 'run'), log);
  // SIGHUP (sent by `strata cluster add-node --local`) starts nodes added to the layout.
  const reloader = new LayoutReloader(options.dataDir, flags.logLevel, supervisor, log,
    (name, port) => process.stdout.write(`started storage node ${name} on ${layout.bindIp}:${port}\n`));
  let stopping: Promise<void> | undefined;
  const stop = (signal: string): void => {
    if (stopping) return;
    process.stdout.write(`\nstopping (${signal})...\n`);
    stopping = removeAllInOnePid(options.dataDir).catch(() => undefined).then(() => supervisor.stop()).then(() => {
      process.stdout.write('stopped\n');
      process.exit(0);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => { if (!stopping) reloader.request(); });
  await writeAllInOnePid(options.dataDir);

  try {
    await Promise.all(specs.nodes.map((spec) => supervisor.start(spec)));
    await supervisor.start(specs.proxy);
    if (specs.blockGateway) await supervisor.start(specs.blockGateway);
  } catch (err) {
    await supervisor.stop();
    await removeAllInOnePid(options.dataDir);
    throw err;
  }
  process.stdout.write(describeEndpoints(options.dataDir, layout));
  process.stdout.write('ready\n');
  reloader.enable();
}

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('start the all-in-one cluster: storage nodes, proxy and block gateway on this machine')
    .option('--data-dir <dir>', 'where all data and configuration live', './data')
    .option('--bind <ip>', 'address every process listens on', '127.0.0.1')
    .option('--proxy-port <port>', 'Swift and S3 API port', '8080')
    .option('--base-port <port>', 'first storage-node gRPC port (one per node)', '6201')
    .option('--block-port <port>', 'NBD port of the block gateway', '10809')
    .option('--nodes <n>', 'storage nodes to create on first start', '4')
    .option('--part-power <n>', 'partition power of the rings made on first start (2^n partitions)', '10')
    .option('--log-level <level>', 'log level of every process', 'info')
    .action(action(start));
}
