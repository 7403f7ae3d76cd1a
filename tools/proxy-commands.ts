/** Subcommands: proxy process (`strata proxy --config FILE`). */
import type { Command } from 'commander';
import { closeOnSignals } from '../common/index.js';
import { startProxy } from '../proxy/index.js';
import { action } from './cli-error.js';

export function registerProxyCommands(program: Command): void {
  program
    .command('proxy')
    .description('Run a proxy: Swift API v1 and S3 API on one port')
    .requiredOption('--config <file>', 'proxy config file (see etc/proxy.sample.json)')
    .action(action(async (opts: { config: string }) => {
      const proxy = await startProxy(opts.config);
      process.stdout.write(`strata proxy: listening on ${proxy.url}\n`);
      closeOnSignals(() => proxy.close());
    }));
}
