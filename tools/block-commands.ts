/**
 * Subcommands of the block area: `strata block-gateway` (the NBD server) and `strata volume
 * create|list|show|extend|snapshot|clone|delete`. Thin: parse, call block/, print.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { StoreError, createLogger, closeOnSignals } from '../common/index.js';
import { connectVolumeManager, startBlockGateway, type VolumeAdmin, type VolumeRecord } from '../block/index.js';
import { action } from './cli-error.js';
import { resolveClusterConfig } from './cluster-config.js';

const UNITS: Record<string, number> = { '': 1, B: 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40, P: 2 ** 50 };

/** Parses "10G", "512M", "1.5T", "4096". @throws INVALID_ARGUMENT */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGTP]?)(?:i?B)?$/i.exec(text.trim());
  if (!m) throw new StoreError('INVALID_ARGUMENT', `Cannot parse size "${text}": use a number with an optional K, M, G, T or P suffix`);
  const bytes = Math.round(Number(m[1]) * UNITS[m[2].toUpperCase()]);
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new StoreError('INVALID_ARGUMENT', `Cannot use size "${text}"`);
  return bytes;
}

/** 10737418240 → "10 GiB". */
export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}

async function withAdmin<T>(clusterFile: string | undefined, fn: (a: VolumeAdmin) => Promise<T>): Promise<T> {
  const cluster = await resolveClusterConfig(clusterFile);
  const admin = await connectVolumeManager({ ringDir: cluster.ringDir, peerSecret: cluster.peerSecret });
  try {
    return await fn(admin);
  } finally {
    admin.close();
  }
}

function print(json: boolean, value: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
}

function describeVolume(v: VolumeRecord): string {
  return `${v.name}  ${formatSize(v.sizeBytes)}  id ${v.id}`;
}

function splitSnapshotRef(ref: string): { volume: string; snapshot: string } {
  const at = ref.indexOf('@');
  if (at <= 0 || at === ref.length - 1) throw new StoreError('INVALID_ARGUMENT', `Cannot use "${ref}": expected VOLUME@SNAPSHOT`);
  return { volume: ref.slice(0, at), snapshot: ref.slice(at + 1) };
}

export function registerBlockCommands(program: Command): void {
  program.command('block-gateway')
    .description('Run the NBD block gateway (exports volumes; one writer per volume)')
    .option('--cluster <file>', 'cluster file (default: $STRATA_CLUSTER or the running all-in-one)')
    .option('--host <ip>', 'listen address (non-loopback needs TLS)', '127.0.0.1')
    .option('--port <n>', 'listen port (default: from the cluster file, else 10809)')
    .option('--tls-cert <file>', 'TLS certificate (PEM) for NBD STARTTLS')
    .option('--tls-key <file>', 'TLS private key (PEM)')
    .option('--tls-psk <file>', 'TLS pre-shared keys file ("identity:hexkey" lines)')
    .option('--log-level <level>', 'log level', 'info')
    .action(action(async (o: { cluster?: string; host: string; port?: string; tlsCert?: string; tlsKey?: string; tlsPsk?: string; logLevel: string }) => {
      const cluster = await resolveClusterConfig(o.cluster);
      const log = createLogger({ name: 'block-gateway', level: o.logLevel as 'info' });
      const port = o.port !== undefined ? Number(o.port) : Number(cluster.blockGateway.split(':').pop() ?? 10809);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new StoreError('INVALID_ARGUMENT', `Cannot use port "${o.port}"`);
      const tls = await loadTls(o);
      const gw = await startBlockGateway({ host: o.host, port, ringDir: cluster.ringDir, peerSecret: cluster.peerSecret, log, tls });
      closeOnSignals(() => gw.close());
    }));

  const volume = program.command('volume').description('Manage block volumes');
  volume.command('create <name>')
    .description('Create a thin volume')
    .requiredOption('--size <size>', 'size, e.g. 10G')
    .option('--cluster <file>', 'cluster file')
    .option('--json', 'print JSON')
    .action(action(async (name: string, o: { size: string; cluster?: string; json?: boolean }) => {
      const size = parseSize(o.size);
      const v = await withAdmin(o.cluster, (a) => a.manager.create(name, size));
      print(!!o.json, v, `Created volume ${describeVolume(v)}`);
    }));
  volume.command('list')
    .description('List volumes and snapshots')
    .option('--cluster <file>', 'cluster file')
    .option('--json', 'print JSON')
    .action(action(async (o: { cluster?: string; json?: boolean }) => {
      const c = await withAdmin(o.cluster, (a) => a.manager.list());
      const lines = c.volumes.map((v) => {
        const snaps = c.snapshots.filter((s) => s.volumeId === v.id).map((s) => s.name);
        return `${v.name.padEnd(24)} ${formatSize(v.sizeBytes).padStart(10)}  ${v.id}${snaps.length ? `  snapshots: ${snaps.join(', ')}` : ''}`;
      });
      print(!!o.json, c, lines.length ? lines.join('\n') : 'No volumes');
    }));
  volume.command('show <name>')
    .description('Show a volume: size, layers, snapshots, lease, space used')
    .option('--cluster <file>', 'cluster file')
    .option('--json', 'print JSON')
    .action(action(async (name: string, o: { cluster?: string; json?: boolean }) => {
      const d = await withAdmin(o.cluster, (a) => a.manager.show(name));
      const text = [
        `Volume ${d.volume.name} (${d.volume.id})`,
        `  size        ${formatSize(d.volume.sizeBytes)} (${d.volume.sizeBytes} bytes), extents of ${formatSize(d.volume.extentBytes)}`,
        `  used        ${formatSize(d.usedBytes)} in its writable layer (all replicas)`,
        `  layers      ${d.volume.layers.join(' <- ')}`,
        `  snapshots   ${d.snapshots.map((s) => s.name).join(', ') || '-'}`,
        `  attached    ${d.lease ? `by gateway "${d.lease.holder}"` : 'no'}`,
        ...(d.volume.cloneOf ? [`  clone of    ${d.volume.cloneOf}`] : []),
      ].join('\n');
      print(!!o.json, d, text);
    }));
  volume.command('extend <name>')
    .description('Grow a volume (online: new connections see the new size)')
    .requiredOption('--size <size>', 'new size, e.g. 20G')
    .option('--cluster <file>', 'cluster file')
    .option('--json', 'print JSON')
    .action(action(async (name: string, o: { size: string; cluster?: string; json?: boolean }) => {
      const size = parseSize(o.size);
      const v = await withAdmin(o.cluster, (a) => a.manager.extend(name, size));
      print(!!o.json, v, `Extended volume ${describeVolume(v)}`);
    }));
  volume.command('snapshot <volume> <snapshot>')
    .description('Take a snapshot (O(1), consistent even while attached)')
    .option('--cluster <file>', 'cluster file')
    .option('--json', 'print JSON')
    .action(action(async (vol: string, snap: string, o: { cluster?: string; json?: boolean }) => {
      const s = await withAdmin(o.cluster, (a) => a.manager.snapshot(vol, snap));
      print(!!o.json, s, `Created snapshot ${vol}@${s.name} (${s.id}); export it read-only as "${vol}@${s.name}"`);
    }));
  volume.command('clone <volumeAtSnapshot> <name>')
    .description('Create a writable volume from a snapshot (VOLUME@SNAPSHOT)')
    .option('--cluster <file>', 'cluster file')
    .option('--json', 'print JSON')
    .action(action(async (ref: string, name: string, o: { cluster?: string; json?: boolean }) => {
      const { volume: vol, snapshot } = splitSnapshotRef(ref);
      const v = await withAdmin(o.cluster, (a) => a.manager.clone(snapshot, name, vol));
      print(!!o.json, v, `Created clone ${describeVolume(v)} from ${ref}`);
    }));
  volume.command('delete <ref>')
    .description('Delete a volume (with its snapshots) or one snapshot (VOLUME@SNAPSHOT)')
    .option('--cluster <file>', 'cluster file')
    .option('--json', 'print JSON')
    .action(action(async (ref: string, o: { cluster?: string; json?: boolean }) => {
      if (ref.includes('@')) {
        const { volume: vol, snapshot } = splitSnapshotRef(ref);
        const r = await withAdmin(o.cluster, (a) => a.manager.deleteSnapshotDetailed(snapshot, vol));
        const freed = [
          ...(r.freedLayers.length ? [`${r.freedLayers.length} layers`] : []),
          ...(r.freedExtents ? [`${r.freedExtents} extent files its readers no longer need`] : []),
        ];
        print(!!o.json, { freedLayers: r.freedLayers, freedExtents: r.freedExtents },
          `Deleted snapshot ${ref}${freed.length ? `; freed ${freed.join(' and ')}` : ''}`);
        return;
      }
      const r = await withAdmin(o.cluster, (a) => a.manager.delete(ref));
      print(!!o.json, r, `Deleted volume ${r.volume.name}; freed ${r.freedLayers.length} layers`);
    }));
}

async function loadTls(o: { tlsCert?: string; tlsKey?: string; tlsPsk?: string }) {
  if (o.tlsPsk) {
    const keys = new Map<string, Buffer>();
    for (const line of (await readFile(o.tlsPsk, 'utf8')).split('\n')) {
      const [id, hex] = line.trim().split(':');
      if (id && hex) keys.set(id, Buffer.from(hex, 'hex'));
    }
    if (keys.size === 0) throw new StoreError('INVALID_ARGUMENT', `Cannot use PSK file "${o.tlsPsk}": no "identity:hexkey" lines`);
    return {
      socketOptions: {
        // TLS-PSK exists in TLS 1.2 only in Node; clients (libnbd, qemu) negotiate it.
        minVersion: 'TLSv1.2' as const, maxVersion: 'TLSv1.2' as const, ciphers: 'PSK',
        pskCallback: (_socket: unknown, identity: string) => keys.get(identity) ?? null,
      },
    };
  }
  if (o.tlsCert || o.tlsKey) {
    if (!o.tlsCert || !o.tlsKey) throw new StoreError('INVALID_ARGUMENT', 'Cannot use TLS: pass both --tls-cert and --tls-key');
    return { socketOptions: { cert: await readFile(o.tlsCert), key: await readFile(o.tlsKey) } };
  }
  return undefined;
}
