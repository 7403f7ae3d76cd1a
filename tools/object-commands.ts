/** Subcommands: object inspection (`strata object locate`). */
import type { Command } from 'commander';

export function registerObjectCommands(_program: Command): void {
  // Registered by the cluster area as it lands.
}
