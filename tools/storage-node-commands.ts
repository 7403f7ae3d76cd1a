/** Subcommands: storage-node process and object locate. */
import type { Command } from 'commander';

export function registerStorageNodeCommands(_program: Command): void {
  // Registered by the owning area as it lands.
}
