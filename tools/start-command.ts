/** Subcommands: the all-in-one. */
import type { Command } from 'commander';

export function registerStartCommand(_program: Command): void {
  // Registered by the owning area as it lands.
}
