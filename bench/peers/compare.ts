#!/usr/bin/env node
/**
 * `node dist/bench/peers/compare.js --strata URL --strata-pid-dir D --swift URL --swift-pid-dir
 * D2 --api swift,s3 --scenario put-4k,get-4k --rounds 2 --duration 20`: runs each scenario
 * against Strata (A) and Swift (B) alternately, A B A B, so both see the same machine load,
 * and prints the Strata/Swift ratios with medians and ranges over the rounds. `--from F1,F2`
 * prints the ratios of earlier runs' JSON lines instead of running anything.
 */
import { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { addCommonOptions, boundsFor, containerFor, makeTarget, parseApis, type CommonOptions } from '../objects/bench-options.js';
import { appendJsonLines, formatTable, toRecords, type ResultRecord } from '../objects/report.js';
import { runScenario } from '../objects/scenario-runner.js';
import { scenarioByName } from '../objects/scenarios.js';
import type { PidSource } from '../objects/server-cpu.js';
import type { ApiName } from '../objects/target.js';
import { formatRatios, summarise } from './ratio-summary.js';

interface CompareOptions extends CommonOptions {
  strata: string;
  strataPidDir: string;
  swift: string;
  swiftPidDir: string;
  api: string;
  scenario: string;
  rounds: string;
  from?: string;
}

interface System { label: string; endpoint: string; pids: PidSource; records: ResultRecord[] }

async function runOne(sys: System, api: ApiName, name: string, o: CompareOptions, runId: string): Promise<ResultRecord[]> {
  const s = scenarioByName(name);
  const b = boundsFor(o, s, api);
  const target = makeTarget(api, sys.endpoint, o, b.concurrency);
  await target.open(containerFor(s, b.prepareObjects));
  const run = await runScenario(target, s, b, sys.pids, runId);
  const records = toRecords(run, { label: sys.label, api, scenario: s.name, concurrency: b.concurrency, objectBytes: s.size });
  appendJsonLines(o.out, records);
  for (const r of records) for (const e of r.firstErrors) process.stderr.write(`${sys.label} ${api} ${s.name} ${r.op}: ${e}\n`);
  return records;
}

async function main(): Promise<void> {
  const cmd = addCommonOptions(new Command('compare'))
    .description('Strata against Swift, same scenarios, alternating A B A B')
    .option('--strata <url>', 'Strata proxy URL', 'http://127.0.0.1:28180')
    .option('--strata-pid-dir <dir>', 'Strata <data>/run', '/tmp/strata-bench/strata/run')
    .option('--swift <url>', 'Swift proxy URL', 'http://127.0.0.1:28080')
    .option('--swift-pid-dir <dir>', 'the Swift peer\'s run folder', '/tmp/strata-bench/swift/run')
    .option('--api <apis>', 'swift, s3 or swift,s3', 'swift,s3')
    .option('--scenario <names>', 'comma-separated scenarios', 'put-4k,get-4k,put-1m,get-1m,big-256m,mixed')
    .option('--rounds <n>', 'A B pairs per scenario', '2')
    .option('--from <files>', 'only summarise earlier runs: comma-separated JSON lines files (labels strata, swift)');
  cmd.parse();
  const o = cmd.opts<CompareOptions>();
  if (o.from) {
    const records = o.from.split(',').flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as ResultRecord));
    const by = (label: string): ResultRecord[] => records.filter((r) => r.label === label);
    process.stdout.write(formatRatios(summarise(by('strata'), by('swift')), 'strata', 'swift') + '\n');
    return;
  }
  const rounds = Math.max(1, Math.floor(Number(o.rounds) || 1));
  const a: System = { label: 'strata', endpoint: o.strata, pids: { pidDir: o.strataPidDir }, records: [] };
  const b: System = { label: 'swift', endpoint: o.swift, pids: { pidDir: o.swiftPidDir }, records: [] };
  const runId = randomBytes(4).toString('hex');
  for (const api of parseApis(o.api)) {
    for (const name of o.scenario.split(',').map((x) => x.trim())) {
      for (let round = 1; round <= rounds; round++) {
        for (const sys of [a, b]) {
          process.stderr.write(`round ${round}/${rounds} ${api} ${name} ${sys.label}\n`);
          sys.records.push(...await runOne(sys, api, name, o, `${runId}-${round}`));
        }
      }
    }
  }
  process.stdout.write(formatTable([...a.records, ...b.records]) + '\n\n');
  process.stdout.write(formatRatios(summarise(a.records, b.records), a.label, b.label) + '\n');
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`compare: ${(err as Error).message}\n`);
  process.exit(1);
});
