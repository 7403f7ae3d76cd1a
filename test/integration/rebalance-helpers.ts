/**
 * Helpers for the data-movement acceptance tests (issue 6): a Swift client with a steady reader
 * and writer that count every failed request, the `strata` CLI against an all-in-one, and views
 * of what the storage nodes' devices hold on disk (which partition folders, which object
 * folders), compared with the object ring.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Ring, ringFilePath } from '../../ring/index.js';
import { STRATA_ENTRY, type AllInOne } from './all-in-one.js';

export interface CliResult { code: number; stdout: string; stderr: string }

/** Runs `strata ARGS` against the all-in-one (its STRATA_HOME), bounded in time. */
export function strata(aio: AllInOne, args: string[], timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [STRATA_ENTRY, ...args], { env: aio.env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

/** A deterministic body for object i (small: the tests move many objects, not many bytes). */
export function bodyFor(name: string, size: number): Buffer {
  const seed = createHash('sha256').update(name).digest();
  const b = Buffer.alloc(size);
  for (let k = 0; k < size; k++) b[k] = seed[k % 32]! ^ (k & 0xff);
  return b;
}

export class SwiftUser {
  private constructor(readonly storageUrl: string, private readonly token: string) {}

  static async login(aio: AllInOne): Promise<SwiftUser> {
    const res = await fetch(aio.authUrl, { headers: { 'x-auth-user': 'test:tester', 'x-auth-key': 'testing' } });
    if (res.status !== 200) throw new Error(`auth failed: ${res.status}`);
    return new SwiftUser(res.headers.get('x-storage-url') ?? '', res.headers.get('x-auth-token') ?? '');
  }

  async put(path: string, body?: Buffer): Promise<number> {
    const res = await fetch(`${this.storageUrl}/${path}`, { method: 'PUT', headers: { 'x-auth-token': this.token }, body });
    await res.arrayBuffer();
    return res.status;
  }

  async get(path: string): Promise<{ status: number; body: Buffer }> {
    const res = await fetch(`${this.storageUrl}/${path}`, { headers: { 'x-auth-token': this.token } });
    return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
  }
}

/** Name -> MD5 of every acknowledged object. */
export type Acked = Map<string, string>;

/** PUTs `count` objects named `${prefix}NNNNN` into `container` at `concurrency`; returns the acknowledged ones. */
export async function fill(user: SwiftUser, container: string, prefix: string, count: number, size: number, concurrency = 16, deadlineMs = 600_000): Promise<Acked> {
  const acked: Acked = new Map();
  let next = 0;
  const deadline = Date.now() + deadlineMs;
  const worker = async (): Promise<void> => {
    while (next < count && Date.now() < deadline) {
      const name = `${prefix}${String(next++).padStart(5, '0')}`;
      const body = bodyFor(name, size);
      for (let attempt = 0; attempt < 3; attempt++) {
        const status = await user.put(`${container}/${name}`, body).catch(() => 0);
        if (status === 201) {
          acked.set(name, md5(body));
          break;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return acked;
}

export interface LoadReport { reads: number; readFailures: string[]; writes: number; writeFailures: string[]; written: Acked }

/**
 * A reader (GETs of random acknowledged objects, MD5-checked) and a writer (PUTs of new objects)
 * that run until stop() and record every failed request. Each keeps a few requests in flight.
 */
export function steadyLoad(user: SwiftUser, container: string, acked: Acked, opts: { prefix: string; size: number; inFlight?: number }): { stop(): Promise<LoadReport> } {
  const report: LoadReport = { reads: 0, readFailures: [], writes: 0, writeFailures: [], written: new Map() };
  let running = true;
  const names = [...acked.keys()];
  const hardStop = Date.now() + 900_000;
  const reader = async (): Promise<void> => {
    while (running && Date.now() < hardStop) {
      const name = names[Math.floor(Math.random() * names.length)]!;
      try {
        const { status, body } = await user.get(`${container}/${name}`);
        report.reads += 1;
        if (status !== 200 || md5(body) !== acked.get(name)) report.readFailures.push(`${name}: ${status}${status === 200 ? ' wrong body' : ''}`);
      } catch (err) {
        report.readFailures.push(`${name}: ${(err as Error).message}`);
      }
    }
  };
  let n = 0;
  const writer = async (): Promise<void> => {
    while (running && Date.now() < hardStop) {
      const name = `${opts.prefix}${String(n++).padStart(5, '0')}`;
      const body = bodyFor(name, opts.size);
      try {
        const status = await user.put(`${container}/${name}`, body);
        report.writes += 1;
        if (status === 201) report.written.set(name, md5(body));
        else report.writeFailures.push(`${name}: ${status}`);
      } catch (err) {
        report.writeFailures.push(`${name}: ${(err as Error).message}`);
      }
    }
  };
  const k = opts.inFlight ?? 2;
  const all = Promise.all([...Array.from({ length: k }, reader), ...Array.from({ length: k }, writer)]);
  return {
    async stop() {
      running = false;
      await all;
      return report;
    },
  };
}

/** GETs every acknowledged object; returns the names that do not read back identical. */
export async function unreadable(user: SwiftUser, container: string, acked: Acked, concurrency = 16): Promise<string[]> {
  const names = [...acked.keys()];
  const bad: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < names.length) {
      const name = names[next++]!;
      const r = await user.get(`${container}/${name}`).catch(() => ({ status: 0, body: Buffer.alloc(0) }));
      if (r.status !== 200 || md5(r.body) !== acked.get(name)) bad.push(`${name}: ${r.status}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return bad;
}

/** A device of the all-in-one as the ring names it, with its folder. */
export interface DeviceDir { key: string; port: number; device: string; path: string }

/** The devices of every storage node in the all-in-one's layout (nodes added later included). */
export async function deviceDirs(dataDir: string): Promise<DeviceDir[]> {
  const layout = JSON.parse(await readFile(join(dataDir, 'all-in-one.json'), 'utf8')) as { nodes: Array<{ id: string; port: number; devices: string[] }> };
  return layout.nodes.flatMap((n) => n.devices.map((d) => ({ key: `${n.port}/${d}`, port: n.port, device: d, path: join(dataDir, 'nodes', n.id, d) })));
}

/** Object folders (by path hash) per device and the partition folders holding object files. */
export interface DiskView {
  /** "port/device/partition" of every partition folder with at least one object file. */
  partitions: Set<string>;
  /** path hash -> "port/device/partition" places holding a .data file for it. */
  objects: Map<string, string[]>;
  /** "port/device/partition" -> size and timestamp (seconds) of each object file there. */
  files: Map<string, Array<{ bytes: number; timestampSec: number }>>;
}

/**
 * Partition places new since `before` holding a file written before `sinceSec`: partition-replicas
 * whose data moved there (places a client write created during the move do not count).
 */
export function placesArrived(before: DiskView, after: DiskView, sinceSec: number): number {
  let n = 0;
  for (const [place, files] of after.files) {
    if (!before.partitions.has(place) && files.some((f) => f.timestampSec < sinceSec)) n += 1;
  }
  return n;
}

/**
 * Bytes of object files that arrived at partition places new since `before` and were written
 * before `sinceSec` (so: moved there, not written there by a client during the move).
 */
export function bytesArrived(before: DiskView, after: DiskView, sinceSec: number): number {
  let bytes = 0;
  for (const [place, files] of after.files) {
    if (before.partitions.has(place)) continue;
    for (const f of files) if (f.timestampSec < sinceSec) bytes += f.bytes;
  }
  return bytes;
}

export async function diskView(devices: DeviceDir[]): Promise<DiskView> {
  const view: DiskView = { partitions: new Set(), objects: new Map(), files: new Map() };
  const list = (p: string): Promise<string[]> => readdir(p).catch(() => [] as string[]);
  for (const dev of devices) {
    const objects = join(dev.path, 'objects');
    for (const part of await list(objects)) {
      if (!/^\d+$/.test(part)) continue;
      const place = `${dev.key}/${part}`;
      for (const suffix of await list(join(objects, part))) {
        for (const hash of await list(join(objects, part, suffix))) {
          const files = await list(join(objects, part, suffix, hash));
          if (files.length > 0) view.partitions.add(place);
          for (const f of files) {
            const m = /^(\d{10}\.\d{5})\.(data|ts|meta)$/.exec(f);
            if (!m) continue;
            const bytes = await stat(join(objects, part, suffix, hash, f)).then((st) => st.size, () => 0);
            const list2 = view.files.get(place) ?? [];
            list2.push({ bytes, timestampSec: Number(m[1]) });
            view.files.set(place, list2);
          }
          if (!files.some((f) => f.endsWith('.data'))) continue;
          const places = view.objects.get(hash) ?? [];
          places.push(place);
          view.objects.set(hash, places);
        }
      }
    }
  }
  return view;
}

export function loadObjectRing(dataDir: string): Promise<Ring> {
  return Ring.load(ringFilePath(join(dataDir, 'rings'), 'object'));
}

/** Partition-replicas whose device differs between two rings of the same partition count. */
export function replicasMoved(before: Ring, after: Ring): number {
  let moved = 0;
  for (let p = 0; p < after.partCount; p++) {
    const old = new Set(before.primaries(p).map((d) => `${d.port}/${d.device}`));
    for (const d of after.primaries(p)) if (!old.has(`${d.port}/${d.device}`)) moved += 1;
  }
  return moved;
}

/** Object folders that are not on exactly the primaries of their partition (as "hash: places"). */
export function misplaced(view: DiskView, ring: Ring): string[] {
  const out: string[] = [];
  for (const [hash, places] of view.objects) {
    const part = Number(places[0]!.split('/')[2]);
    const want = ring.primaries(part).map((d) => `${d.port}/${d.device}/${part}`).sort();
    const have = [...places].sort();
    if (want.join(',') !== have.join(',')) out.push(`${hash}: on ${have.join(' ')}, primaries ${want.join(' ')}`);
  }
  return out;
}

/** Polls `fn` until it returns a value or `ms` pass (then the last error is thrown). */
export async function until<T>(fn: () => Promise<T | undefined>, ms: number, stepMs = 1000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
