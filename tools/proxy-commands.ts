/** Subcommands: proxy process. */
import type { Command } from 'commander';

export function registerProxyCommands(_program: Command): void {
  // Registered by the owning area as it lands.
}
