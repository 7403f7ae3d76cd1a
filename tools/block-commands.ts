/** Subcommands: block gateway and volume management. */
import type { Command } from 'commander';

export function registerBlockCommands(_program: Command): void {
  // Registered by the owning area as it lands.
}
