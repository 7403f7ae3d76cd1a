/** Subcommands: the storage-node process. */
import type { Command } from 'commander';
import { runStorageNode } from '../storage-node/index.js';
import { action } from './cli-error.js';

export function registerStorageNodeCommands(program: Command): void {
  program
    .command('storage-node')
    .description('Run a storage node: serves its devices (objects, listings, extents) over gRPC')
    .requiredOption('--config <file>', 'storage-node config file (see etc/storage-node.sample.json)')
    .action(action(async (opts: { config: string }) => {
      await runStorageNode(opts.config);
      // Handles (gRPC keepalive timers, pino) must not keep a stopped node alive.
      process.exit(0);
    }));
}
