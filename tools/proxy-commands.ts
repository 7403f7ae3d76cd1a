/** Subcommands: proxy process (`strata proxy --config FILE`). */
import type { Command } from 'commander';
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
      let stopping = false;
      const stop = (): void => {
        if (stopping) return;
        stopping = true;
        proxy.close().then(() => process.exit(0), () => process.exit(1));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    }));
}
