import t from 'tap';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { registerRingCommands, ringFileFor } from './ring-commands.js';
import { RingBuilder, encodeRing } from '../ring/index.js';

class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** Runs `strata ring ...` in-process, capturing output and the exit code. */
async function strata(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const program = new Command('strata').exitOverride()
    .configureOutput({ writeOut: (s) => { out += s; }, writeErr: (s) => { err += s; } });
  registerRingCommands(program);
  const saved = { exit: process.exit, stdout: process.stdout.write, stderr: process.stderr.write };
  process.exit = ((code?: number) => { throw new Exit(code ?? 0); }) as typeof process.exit;
  process.stdout.write = ((chunk: string) => { out += chunk; return true; }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => { err += chunk; return true; }) as typeof process.stderr.write;
  let code = 0;
  try {
    await program.parseAsync(['node', 'strata', 'ring', ...args]);
  } catch (e) {
    if (e instanceof Exit) code = e.code;
    else if (e instanceof CommanderError) code = e.exitCode === 0 ? 0 : 2;
    else throw e;
  } finally {
    process.exit = saved.exit;
    process.stdout.write = saved.stdout;
    process.stderr.write = saved.stderr;
  }
  return { code, out, err };
}

const DEVICES = Array.from({ length: 3 }, (_, z) => [1, 2].map((s) => `r1z${z}-10.0.${z}.${s}:6200/sdb ${s * 100} rack ${z}`)).flat();

t.test('strata ring builds, shows, validates and looks up a ring', async (t) => {
  const dir = t.testdir({ 'devs.txt': `# three zones\n${DEVICES.join('\n')}\n` });
  const b = join(dir, 'object.builder');
  t.equal((await strata('create', b, '8', '3', '1', '--hash-secret', 's3cret')).code, 0);
  t.equal((await strata('add', b, '--file', join(dir, 'devs.txt'))).code, 0);
  const one = await strata('add', b, '--region', '1', '--zone', '2', '--ip', '10.0.2.9', '--port', '6200', '--device', 'sdc', '--weight', '50');
  t.match(one.out, /Added device 6/);
  const reb = await strata('rebalance', b, '--seed', '7');
  t.equal(reb.code, 0, reb.err);
  t.match(reb.out, /Rebalanced to version 1: moved 0 partition-replicas, assigned 768/);
  t.equal(ringFileFor(b), join(dir, 'object.ring.gz'));
  const show = await strata('show', b);
  t.match(show.out, /1 regions, 3 zones, 7 servers, 7 devices/);
  t.match(show.out, /id\s+region\s+zone\s+address\s+device\s+weight\s+parts\s+balance%\s+meta/);
  t.match(show.out, /10\.0\.2\.9:6200\s+sdc/);
  const json = JSON.parse((await strata('show', join(dir, 'object.ring.gz'), '--json')).out) as { devices: Array<{ parts: number }>; partCount: number; version: number };
  t.equal(json.partCount, 256);
  t.equal(json.devices.reduce((a, d) => a + d.parts, 0), 768);
  t.notMatch(JSON.stringify(json), /s3cret/, 'the hash secret is not printed');
  const look = await strata('lookup', join(dir, 'object.ring.gz'), '/AUTH_a/c/o', '--json');
  const l = JSON.parse(look.out) as { partition: number; primaries: unknown[]; handoffs: unknown[] };
  t.equal(l.primaries.length, 3);
  t.equal(l.handoffs.length, 4, 'all other devices, up to 6');
  t.match((await strata('validate', b)).out, /all invariants hold/);
  t.match((await strata('dispersion', b, '--verbose')).out, /0 partitions \(0\.00%\)/);
  t.equal((await strata('set-weight', b, '10.0.0.1:6200/sdb', '0')).code, 0);
  t.equal((await strata('set-overload', b, '10%')).code, 0);
  t.equal((await strata('remove', b, '6')).code, 0);
  t.match((await strata('show', b)).out, /\[removing\]/);
  t.equal((await strata('pretend-min-part-hours-passed', b)).code, 0);
  const again = await strata('rebalance', b);
  t.match(again.out, /version 2/);
  t.match((await strata('show', b, '--json')).out, /"overload": 0.1/);
});

t.test('strata ring reports bad input in one line with an exit code', async (t) => {
  const dir = t.testdir({ 'bad.txt': 'r1z1-10.0.0.1:6200/sdb 100\nnot a device\n', 'junk.ring.gz': 'junk', 'junk.builder': 'junk' });
  const b = join(dir, 'x.builder');
  await strata('create', b, '6', '3', '1');
  const cases: Array<[string[], number, RegExp]> = [
    [['create', join(dir, 'y.builder'), '30', '3', '1'], 2, /partition power "30" is not an integer in 1\.\.24/],
    [['create', join(dir, 'y.builder'), 'ten', '3', '1'], 2, /partition power "ten"/],
    [['create', b, '6', '3', '1'], 4, /file exists/],
    [['add', b, '--region', '1', '--zone', '1', '--port', '6200', '--device', 'sdb', '--weight', '1'], 2, /--ip is required/],
    [['add', b, '--region', '1', '--zone', '1', '--ip', '10.0.0.1', '--port', '6200', '--device', 'sdb', '--weight', 'heavy'], 2, /weight "heavy"/],
    [['add', b, '--region', '1', '--zone', '1', '--ip', '10.0.0.1', '--port', '99999', '--device', 'sdb', '--weight', '1'], 2, /port "99999"/],
    [['add', b, '--file', join(dir, 'bad.txt')], 2, /bad\.txt:2/],
    [['add', b, '--file', join(dir, 'missing.txt')], 3, /Cannot read device file/],
    [['remove', b, '42'], 3, /Cannot find device "42"/],
    [['set-weight', b, '0', '-1'], 2, /weight "-1"/],
    [['set-overload', b, 'lots'], 2, /overload "lots"/],
    [['rebalance', b], 2, /need at least 3 devices with weight > 0/],
    [['lookup', join(dir, 'none.ring.gz'), '/a'], 3, /Cannot load ring/],
    [['lookup', join(dir, 'junk.ring.gz'), '/a'], 6, /not a gzip file/],
    [['show', join(dir, 'junk.builder')], 6, /Cannot read builder/],
    [['validate', join(dir, 'junk.ring.gz')], 6, /Cannot read ring/],
    [['dispersion', b], 4, /not rebalanced yet/],
    [['lookup', join(dir, 'junk.ring.gz'), 'a/c'], 2, /starts with "\/"/],
  ];
  await strata('add', b, '--region', '1', '--zone', '1', '--ip', '10.0.0.1', '--port', '6200', '--device', 'sdb', '--weight', '1');
  cases.push([['add', b, '--region', '1', '--zone', '1', '--ip', '10.0.0.1', '--port', '6200', '--device', 'sdb', '--weight', '1'], 4, /already d0/]);
  for (const [args, code, message] of cases) {
    const r = await strata(...args);
    t.equal(r.code, code, `${args.slice(0, 2).join(' ')} exits ${code}`);
    t.match(r.err, message);
    t.equal(r.err.trim().split('\n').length, 1, 'one line, no stack trace');
  }
  const unknown = await strata('frobnicate');
  t.equal(unknown.code, 2, 'unknown subcommand is a usage error');
});

t.test('strata ring validate exits 6 when an invariant is broken', async (t) => {
  const dir = t.testdir({});
  const b = join(dir, 'object.builder');
  await strata('create', b, '4', '2', '0');
  await writeFile(join(dir, 'devs.json'), JSON.stringify([
    { region: 1, zone: 1, ip: '10.0.0.1', port: 6200, device: 'a', weight: 1, meta: '' },
    { region: 1, zone: 2, ip: '10.0.0.2', port: 6200, device: 'a', weight: 1, meta: '' },
  ]));
  t.equal((await strata('add', b, '--file', join(dir, 'devs.json'))).code, 0);
  t.equal((await strata('validate', b)).code, 0, 'an unbuilt ring only warns');
  await strata('rebalance', b);
  t.equal((await strata('validate', b)).code, 0);
  // A ring whose partition 0 has both replicas on one device: well-formed, but wrong.
  const data = (await RingBuilder.load(b)).ringData();
  data.table[1]![0] = data.table[0]![0]!;
  await writeFile(join(dir, 'broken.ring.gz'), await encodeRing(data));
  const r = await strata('validate', join(dir, 'broken.ring.gz'));
  t.equal(r.code, 6);
  t.match(r.out, /1 partitions have two replicas on one device \(e\.g\. 0\)/);
  t.match(r.err, /found 1 violated invariants/);
});
