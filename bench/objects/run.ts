#!/usr/bin/env node
/**
 * `node dist/bench/objects/run.js --api swift|s3 --scenario put-4k|get-4k|put-1m|get-1m|
 * big-256m|list-100k|mixed --endpoint URL [--pid-dir D | --pgrep PATTERN]`: runs scenarios
 * against one endpoint, prints a table and appends JSON lines (bench/results/objects.jsonl).
 */
import { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { addCommonOptions, boundsFor, containerFor, makeTarget, parseApis, type CommonOptions } from './bench-options.js';
import { appendJsonLines, formatTable, toRecords, type ResultRecord } from './report.js';
import { runScenario } from './scenario-runner.js';
import { scenarioByName } from './scenarios.js';
import type { PidSource } from './server-cpu.js';

interface RunOptions extends CommonOptions {
  api: string;
  scenario: string;
  endpoint: string;
  pidDir?: string;
  pgrep?: string;
  label: string;
}

/** Picks the server PID source from --pid-dir or --pgrep (nothing: CPU columns read 0). */
export function pidSourceOf(o: { pidDir?: string; pgrep?: string }): PidSource {
  if (o.pidDir) return { pidDir: o.pidDir };
  return { pgrep: o.pgrep ?? '^$never-matches' };
}

async function main(): Promise<void> {
  const cmd = addCommonOptions(new Command('run'))
    .description('Object benchmark against one Swift or S3 endpoint')
    .requiredOption('--endpoint <url>', 'proxy base URL, e.g. http://127.0.0.1:8080')
    .option('--api <apis>', 'swift, s3 or swift,s3', 'swift')
    .option('--scenario <names>', 'comma-separated scenarios', 'put-4k')
    .option('--pid-dir <dir>', 'folder of <name>.pid files of the server processes (Strata: <data>/run)')
    .option('--pgrep <pattern>', 'pgrep -f pattern matching the server processes')
    .option('--label <name>', 'name of the system under test in the table', 'target');
  cmd.parse();
  const o = cmd.opts<RunOptions>();
  const pids = pidSourceOf(o);
  const runId = randomBytes(4).toString('hex');
  const all: ResultRecord[] = [];
  for (const api of parseApis(o.api)) {
    for (const name of o.scenario.split(',')) {
      const s = scenarioByName(name.trim());
      const b = boundsFor(o, s, api);
      const target = makeTarget(api, o.endpoint, o, b.concurrency);
      await target.open(containerFor(s, b.prepareObjects));
      const run = await runScenario(target, s, b, pids, runId);
      const records = toRecords(run, { label: o.label, api, scenario: s.name, concurrency: b.concurrency, objectBytes: s.size });
      appendJsonLines(o.out, records);
      all.push(...records);
      for (const r of records) for (const e of r.firstErrors) process.stderr.write(`${r.api} ${r.scenario} ${r.op}: ${e}\n`);
      process.stderr.write(`${api} ${s.name} done\n`);
    }
  }
  process.stdout.write(formatTable(all) + '\n');
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).message}\n`);
  process.exit(1);
});
