/** Subcommands: ring builder and ring lookups (issue: foundation). */
import type { Command } from 'commander';

export function registerRingCommands(_program: Command): void {
  // Registered by the owning area as it lands.
}
