/**
 * Ring benchmark (issue 2): builds and rebalances the small, medium and large layouts and prints
 * one row each plus a JSON line per run. `--compare-swift` runs the same scenarios through
 * Debian's python3-swift RingBuilder and prints Swift's rows and the ratios.
 *
 *   node dist/bench/ring/ring-bench.js [--layouts small,medium] [--compare-swift] [--swift-large]
 */
import { parseArgs } from 'node:util';
import { formatTable } from '../../ring/index.js';
import { LAYOUTS } from './layouts.js';
import { runStrata } from './strata-runner.js';
import { runSwift } from './swift-runner.js';
import { COLUMNS, ratioRow, row, type BenchResult } from './result.js';

const { values } = parseArgs({
  options: {
    layouts: { type: 'string', default: 'small,medium,large' },
    'compare-swift': { type: 'boolean', default: false },
    'swift-large': { type: 'boolean', default: false },
    'swift-timeout-s': { type: 'string', default: '900' },
  },
});

const names = values.layouts.split(',');
const unknown = names.filter((n) => !LAYOUTS.some((l) => l.name === n));
if (unknown.length) {
  process.stderr.write(`ring-bench: unknown layout "${unknown.join(', ')}" (small, medium, large)\n`);
  process.exit(2);
}
const rows: string[][] = [];
for (const l of LAYOUTS.filter((x) => names.includes(x.name))) {
  const ours = await runStrata(l);
  process.stdout.write(`${JSON.stringify(ours)}\n`);
  rows.push(row(ours));
  if (values['compare-swift']) {
    let swift: BenchResult;
    if (l.name === 'large' && !values['swift-large']) {
      swift = { ...ours, system: 'swift', error: 'skipped (--swift-large; >5 min)' };
    } else {
      swift = await runSwift(l, Number(values['swift-timeout-s']) * 1000);
    }
    process.stdout.write(`${JSON.stringify(swift)}\n`);
    rows.push(row(swift), ratioRow(ours, swift));
  }
}
process.stdout.write(`\n${formatTable(COLUMNS, rows)}\n`);
process.stdout.write('\nx = partition-replicas moved / ideal (changed weight / total weight); rnd = rebalances until balance < max(1%, best possible);\n'
  + 'change cpu s = slowest first rebalance after a change; lookups per CPU second on one core.\n');
