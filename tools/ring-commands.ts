/**
 * `strata ring ...`: the ring builder CLI. Thin: parses arguments, calls ring/, prints. Every
 * failure is one line with an exit code (cli-error.ts); nothing here knows placement rules.
 */
import { readFile, access } from 'node:fs/promises';
import type { Command } from 'commander';
import { StoreError } from '../common/index.js';
import {
  Ring, RingBuilder, computeBalance, computeDispersion, validatePlacement, describeDispersion, describeLayout,
  formatDevices, formatDispersionDetail, parseDeviceSpec, type Device, type RebalanceReport,
} from '../ring/index.js';
import { action } from './cli-error.js';

const out = (s: string): void => { process.stdout.write(`${s}\n`); };

const bad = (what: string, v: string, want: string): never => {
  throw new StoreError('INVALID_ARGUMENT', `Cannot use ${what} "${v}": ${want}`);
};

/** A non-negative integer argument. @throws INVALID_ARGUMENT */
function parseCount(what: string, v: string): number {
  return /^\d{1,9}$/.test(v) ? Number(v) : bad(what, v, 'not a whole number >= 0');
}

/** A finite number >= 0. @throws INVALID_ARGUMENT */
function parseNumber(what: string, v: string): number {
  return /^\d+(\.\d+)?$/.test(v) ? Number(v) : bad(what, v, 'not a number >= 0');
}

/** "0.1" or "10%". @throws INVALID_ARGUMENT */
function parseFraction(what: string, v: string): number {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(v);
  return m ? Number(m[1]) / (m[2] ? 100 : 1) : bad(what, v, 'not a fraction like 0.1 or 10%');
}

/** `object.builder` → `object.ring.gz`, beside it. */
export function ringFileFor(builderFile: string): string {
  return `${builderFile.replace(/\.builder$/, '')}.ring.gz`;
}

async function mustNotExist(file: string): Promise<void> {
  const exists = await access(file).then(() => true, () => false);
  if (exists) throw new StoreError('ALREADY_EXISTS', `Cannot create "${file}": file exists (use --force to replace it)`);
}

/** Finds a device by id or "ip:port/device". @throws NOT_FOUND */
function findDevice(b: RingBuilder, key: string): number {
  const byId = /^\d+$/.test(key) ? b.devices[Number(key)] : undefined;
  const dev = byId ?? b.devices.find((d) => d && `${d.ip}:${d.port}/${d.device}` === key);
  if (!dev || b.pendingRemoval.includes(dev.id)) throw new StoreError('NOT_FOUND', `Cannot find device "${key}"`);
  return dev.id;
}

async function edit(file: string, fn: (b: RingBuilder) => void | Promise<void>): Promise<void> {
  const b = await RingBuilder.load(file);
  await fn(b);
  await b.save(file);
}

function printRebalance(r: RebalanceReport, ringFile: string): void {
  out(`Rebalanced to version ${r.version}: moved ${r.moved} partition-replicas, assigned ${r.assigned}; wrote ${ringFile}`);
  out(`Balance ${r.balance.toFixed(2)}% (best possible ${r.bestBalance.toFixed(2)}%); dispersion: ${describeDispersion(r.dispersion)}`);
  for (const w of r.warnings) out(`Warning: ${w}`);
}

/** Loads either kind of file: `*.ring.gz` is a ring, anything else a builder. */
async function loadEither(file: string): Promise<{ ring?: Ring; builder?: RingBuilder }> {
  return file.endsWith('.ring.gz') ? { ring: await Ring.load(file) } : { builder: await RingBuilder.load(file) };
}

function summary(devices: ReadonlyArray<Device | undefined>, table: ReadonlyArray<Uint16Array> | undefined) {
  return table ? { balance: computeBalance(devices, table), dispersion: computeDispersion(devices, table) } : undefined;
}

export function registerRingCommands(program: Command): void {
  const ring = program.command('ring').description('Build rings and look up placement');

  ring.command('create <builder> <partPower> <replicas> <minPartHours>')
    .description('Create an empty builder file')
    .option('--hash-secret <secret>', 'cluster hash secret (default: random)')
    .option('--force', 'replace an existing builder file')
    .action(action(async (file: string, pp: string, reps: string, mph: string, o: { hashSecret?: string; force?: boolean }) => {
      const b = RingBuilder.create({ partPower: parseCount('partition power', pp), replicas: parseCount('replicas', reps),
        minPartHours: parseCount('min_part_hours', mph), hashSecret: o.hashSecret });
      if (!o.force) await mustNotExist(file);
      await b.save(file);
      out(`Created ${file}: ${b.partCount} partitions, ${b.replicas} replicas, min_part_hours ${b.minPartHours}`);
    }));

  ring.command('add <builder>')
    .description('Add a device, or many from a file (lines "r1z2-10.0.0.1:6200/sdb 100 [meta]", or a JSON array)')
    .option('--region <n>').option('--zone <n>').option('--ip <ip>').option('--port <n>').option('--device <name>')
    .option('--weight <w>').option('--meta <text>', 'free-form text', '').option('--id <n>', 'device id (default: next)')
    .option('--file <path>', 'add every device listed in this file')
    .action(action(async (file: string, o: Record<string, string | undefined>) => {
      await edit(file, async (b) => {
        const devs = o.file ? await readDeviceFile(o.file) : [deviceFromOptions(o)];
        for (const d of devs) {
          const id = b.addDevice(d);
          out(`Added device ${id}: r${d.region}z${d.zone}-${d.ip}:${d.port}/${d.device} weight ${d.weight}`);
        }
      });
    }));

  ring.command('remove <builder> <devices...>')
    .description('Remove devices (id or ip:port/device); their partitions move at the next rebalance')
    .action(action(async (file: string, keys: string[]) => {
      await edit(file, (b) => {
        for (const k of keys) {
          const id = findDevice(b, k);
          b.removeDevice(id);
          out(`Marked device ${id} for removal`);
        }
      });
    }));

  ring.command('set-weight <builder> <device> <weight>')
    .description('Change a device\'s weight (0 drains it)')
    .action(action(async (file: string, key: string, w: string) => {
      await edit(file, (b) => {
        const id = findDevice(b, key);
        b.setWeight(id, parseNumber('weight', w));
        out(`Device ${id} weight ${w}`);
      });
    }));

  ring.command('set-overload <builder> <overload>')
    .description('Let devices exceed their weight share by this fraction ("0.1" or "10%") for dispersion')
    .action(action(async (file: string, f: string) => {
      await edit(file, (b) => {
        b.setOverload(parseFraction('overload', f));
        out(`Overload ${(b.overload! * 100).toFixed(2)}%`);
      });
    }));

  ring.command('rebalance <builder>')
    .description('Rebalance and write the ring file beside the builder (x.builder -> x.ring.gz)')
    .option('--seed <n>', 'seed for a reproducible result')
    .action(action(async (file: string, o: { seed?: string }) => {
      const b = await RingBuilder.load(file);
      const report = b.rebalance(o.seed === undefined ? {} : { seed: parseCount('seed', o.seed) });
      const ringFile = ringFileFor(file);
      await b.save(file);
      await b.writeRing(ringFile);
      printRebalance(report, ringFile);
    }));

  ring.command('pretend-min-part-hours-passed <builder>')
    .description('Make every partition movable now (emergencies and tests)')
    .action(action(async (file: string) => {
      await edit(file, (b) => b.pretendMinPartHoursPassed());
      out('Every partition may move at the next rebalance');
    }));

  ring.command('show <file>')
    .description('Devices, partitions per device, balance and dispersion of a builder or ring file')
    .option('--json', 'machine-readable output')
    .action(action(async (file: string, o: { json?: boolean }) => {
      const { ring: r, builder: b } = await loadEither(file);
      const devices = (r ?? b)!.devices;
      const table = r ? r.replicaTable() : b!.table;
      const s = summary(devices, table);
      const info = {
        file, kind: r ? 'ring' : 'builder', version: (r ?? b)!.version, partPower: (r ?? b)!.partPower,
        partCount: r ? r.partCount : b!.partCount, replicas: r ? r.replicaCount : b!.replicas,
        minPartHours: b?.minPartHours, overload: b ? (b.overload ?? null) : undefined,
        changedSinceRebalance: b?.changedSinceRebalance, pendingRemoval: b?.pendingRemoval,
        balance: s?.balance.balance ?? null, dispersion: s ? { ...s.dispersion.byTier, partitions: s.dispersion.partitions } : null,
        devices: devices.filter((d): d is Device => d !== undefined)
          .map((d) => ({ ...d, parts: s?.balance.parts[d.id] ?? 0, balance: s ? Number(s.balance.deviation[d.id]!.toFixed(3)) : null })),
      };
      if (o.json) return out(JSON.stringify(info, null, 2));
      out(`${file}: ${info.kind} version ${info.version}, ${info.partCount} partitions (power ${info.partPower}), ${info.replicas} replicas`
        + (b ? `, min_part_hours ${b.minPartHours}, overload ${b.overload === undefined ? 'none' : `${(b.overload * 100).toFixed(2)}%`}` : ''));
      out(describeLayout(devices));
      if (s) out(`Balance ${s.balance.balance.toFixed(2)}%; dispersion: ${describeDispersion(s.dispersion)}`);
      else out('Not rebalanced yet');
      if (b?.changedSinceRebalance) out('Devices changed since the last rebalance');
      out('');
      out(formatDevices(devices, s?.balance, b?.pendingRemoval));
    }));

  ring.command('dispersion <file>')
    .description('Partitions whose replicas share a failure domain more than the layout requires')
    .option('--verbose', 'list the failure domains at fault')
    .action(action(async (file: string, o: { verbose?: boolean }) => {
      const { ring: r, builder: b } = await loadEither(file);
      const table = r ? r.replicaTable() : b!.table;
      if (!table) throw new StoreError('PRECONDITION_FAILED', `Cannot report dispersion of "${file}": not rebalanced yet`);
      const d = computeDispersion((r ?? b)!.devices, table);
      out(`Dispersion: ${describeDispersion(d)}`);
      if (o.verbose) out(formatDispersionDetail(d));
    }));

  ring.command('validate <file>')
    .description('Check every invariant of a builder or ring file; exit 6 on violations')
    .action(action(async (file: string) => {
      const { ring: r, builder: b } = await loadEither(file);
      const v = b ? b.validate() : validatePlacement({ devices: r!.devices, table: r!.replicaTable(), replicas: r!.replicaCount, partPower: r!.partPower });
      for (const x of v) out(`${x.severity}: ${x.message}`);
      const errors = v.filter((x) => x.severity === 'error').length;
      if (errors > 0) throw new StoreError('CORRUPT', `Validation of "${file}" found ${errors} violated invariants`);
      out(`${file}: all invariants hold${v.length ? ` (${v.length} warnings)` : ''}`);
    }));

  ring.command('lookup <ring> <path>')
    .description('Partition, primaries and handoffs of /account[/container[/object]] or /vol/N')
    .option('--handoffs <n>', 'how many handoffs to list', '6')
    .option('--json', 'machine-readable output')
    .action(action(async (file: string, path: string, o: { handoffs: string; json?: boolean }) => {
      if (!path.startsWith('/')) throw new StoreError('INVALID_ARGUMENT', `Cannot look up "${path}": a path starts with "/"`);
      const r = await Ring.load(file);
      const part = r.partOf(path);
      const primaries = r.primaries(part);
      const handoffs: Device[] = [];
      const n = parseCount('handoffs', o.handoffs);
      for (const d of r.handoffs(part)) {
        if (handoffs.length >= n) break;
        handoffs.push(d);
      }
      if (o.json) return out(JSON.stringify({ path, partition: part, version: r.version, primaries, handoffs }, null, 2));
      const line = (d: Device): string => `  d${d.id} r${d.region}z${d.zone} ${d.ip}:${d.port}/${d.device}`;
      out(`${path}: partition ${part} (ring version ${r.version})`);
      out('Primaries:');
      primaries.forEach((d) => out(line(d)));
      out('Handoffs:');
      handoffs.forEach((d) => out(line(d)));
    }));
}

function deviceFromOptions(o: Record<string, string | undefined>): Omit<Device, 'id'> & { id?: number } {
  for (const k of ['region', 'zone', 'ip', 'port', 'device', 'weight']) {
    if (o[k] === undefined) throw new StoreError('INVALID_ARGUMENT', `Cannot add device: --${k} is required (or use --file)`);
  }
  return {
    id: o.id === undefined ? undefined : parseCount('id', o.id),
    region: parseCount('region', o.region!), zone: parseCount('zone', o.zone!), ip: o.ip!, port: parseCount('port', o.port!),
    device: o.device!, weight: parseNumber('weight', o.weight!), meta: o.meta ?? '',
  };
}

async function readDeviceFile(path: string): Promise<Array<Omit<Device, 'id'> & { id?: number }>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new StoreError('NOT_FOUND', `Cannot read device file "${path}": ${(err as Error).message}`);
  }
  if (text.trimStart().startsWith('[')) {
    try {
      return JSON.parse(text) as Array<Omit<Device, 'id'>>;
    } catch (err) {
      throw new StoreError('INVALID_ARGUMENT', `Cannot parse device file "${path}": ${(err as Error).message}`);
    }
  }
  return text.split('\n').map((l, i) => [l.replace(/#.*/, '').trim(), i + 1] as const).filter(([l]) => l.length > 0)
    .map(([l, n]) => parseDeviceSpec(l, `${path}:${n}`));
}
