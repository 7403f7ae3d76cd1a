#!/usr/bin/env -S node --initial-old-space-size=128
/**
 * `strata`: the one executable. Each area registers its subcommands from its own file; this file
 * only assembles them. Nothing imports tools/.
 */
import { Command, CommanderError } from 'commander';
import { registerRingCommands } from './ring-commands.js';
import { registerStorageNodeCommands } from './storage-node-commands.js';
import { registerProxyCommands } from './proxy-commands.js';
import { registerStartCommand } from './start-command.js';
import { registerBlockCommands } from './block-commands.js';
import { registerObjectCommands } from './object-commands.js';
import { registerClusterCommands } from './cluster-commands.js';

const program = new Command('strata')
  .description('Strata: replicated object storage (Swift, S3) and block volumes (NBD)')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

registerRingCommands(program);
registerStorageNodeCommands(program);
registerProxyCommands(program);
registerStartCommand(program);
registerBlockCommands(program);
registerObjectCommands(program);
registerClusterCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Commander has already printed its message; usage errors exit 2, help and version exit 0.
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  throw err;
}
