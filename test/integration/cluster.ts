/**
 * Multi-process test harness: a real Strata cluster on this machine for integration tests.
 *
 *   const c = await startTestCluster(t, { nodes: 4, replicas: 3 });
 *   const { cluster } = await c.openCluster();   // ReplicatedObjectCluster over the rings
 *   await c.kill(1);                              // SIGKILL storage node 1
 *   await c.restart(1);                           // same port, same data
 *
 * It builds account/container/object/block rings (one device per node, one zone per node) in a
 * temp folder, writes one config per node, spawns `node dist/tools/strata.js storage-node --config
 * F` on free 127.0.0.1 ports (run `npm run build` first), and waits for each node's "storage node
 * ready" log line. Every process it starts is killed by PID in t.teardown and the folder removed
 * (set STRATA_KEEP_TEST_DIR=1 to keep it for a post-mortem; node logs are in <dir>/logs).
 * The lead extends it with a proxy: add a spawn step like `spawnNode` and keep this API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RingBuilder, ringFilePath } from '../../ring/index.js';
import { openReplicatedCluster, type OpenedCluster, type ReplicatedClusterConfig } from '../../cluster/index.js';

/** What node-tap's `t` offers that the harness needs. */
export interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface TestClusterOptions {
  /** Storage nodes, one device each (default 4). */
  nodes?: number;
  /** Replicas per partition (default 3). */
  replicas?: number;
  /** Partition power of every ring (default 6: 64 partitions). */
  partPower?: number;
  /** Extra fields merged into every node's config (e.g. { reserveBytes }). */
  nodeConfig?: Record<string, unknown>;
  /** Extra fields for single nodes, by index (e.g. { 0: { reserveBytes: 1e18 } }: a full disk). */
  nodeConfigs?: Record<number, Record<string, unknown>>;
  /** How long to wait for a node to be ready (ms, default 20 s). */
  readyTimeoutMs?: number;
}

export interface TestNode {
  index: number;
  nodeId: string;
  port: number;
  device: string;
  devicePath: string;
  configFile: string;
  logFile: string;
  /** The running process, undefined while killed. */
  proc: ChildProcess | undefined;
}

export interface TestCluster {
  dir: string;
  ringDir: string;
  peerSecret: string;
  nodes: TestNode[];
  /** SIGKILLs node `i` and waits for it to exit. */
  kill(i: number): Promise<void>;
  /** Starts node `i` again (same port, config and data) and waits until it is ready. */
  restart(i: number): Promise<void>;
  /** A ReplicatedObjectCluster over this cluster's rings; closed in teardown. */
  openCluster(config?: Partial<ReplicatedClusterConfig>): Promise<OpenedCluster>;
  /** Writes a cluster file (tools/cluster-config.ts format) for CLI tests and returns its path. */
  writeClusterFile(): Promise<string>;
}

const REPO = resolve(import.meta.dirname, '..', '..');
const CLI = join(REPO, 'dist', 'tools', 'strata.js');

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? res(addr.port) : rej(new Error('no port'))));
    });
  });
}

async function waitForLine(file: string, needle: string, proc: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const text = await readFile(file, 'utf8').catch(() => '');
    if (text.includes(needle)) return;
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`Process exited (${proc.exitCode ?? proc.signalCode}) before "${needle}"; log ${file}:\n${text.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for "${needle}" in ${file}`);
}

function spawnNode(node: TestNode): ChildProcess {
  const fd = openSync(node.logFile, 'a');
  try {
    return spawn(process.execPath, [CLI, 'storage-node', '--config', node.configFile], { stdio: ['ignore', fd, fd], cwd: REPO });
  } finally {
    closeSync(fd);
  }
}

function exited(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((r) => proc.once('exit', () => r()));
}

/**
 * Builds rings, starts the storage nodes and waits for them.
 * @throws when a node does not become ready in time (its log tail is in the message)
 */
export async function startTestCluster(t: Teardown, opts: TestClusterOptions = {}): Promise<TestCluster> {
  const count = opts.nodes ?? 4;
  const replicas = opts.replicas ?? 3;
  const readyTimeoutMs = opts.readyTimeoutMs ?? 60_000;
  const dir = await mkdtemp(join(tmpdir(), 'strata-it-'));
  const ringDir = join(dir, 'rings');
  const peerSecret = `peer-${Math.random().toString(36).slice(2)}`;
  await mkdir(ringDir, { recursive: true });
  await mkdir(join(dir, 'logs'), { recursive: true });
  const opened: OpenedCluster[] = [];
  const nodes: TestNode[] = [];
  t.teardown(async () => {
    for (const o of opened) o.close();
    for (const n of nodes) {
      if (n.proc?.pid && n.proc.exitCode === null && n.proc.signalCode === null) {
        n.proc.kill('SIGKILL');
        await exited(n.proc);
      }
    }
    if (!process.env.STRATA_KEEP_TEST_DIR) await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  });

  for (let i = 0; i < count; i++) {
    const port = await freePort();
    const device = `d${i}`;
    const devicePath = join(dir, `node${i}`, device);
    await mkdir(devicePath, { recursive: true });
    nodes.push({
      index: i, nodeId: `node${i}`, port, device, devicePath,
      configFile: join(dir, `node${i}.json`), logFile: join(dir, 'logs', `node${i}.log`), proc: undefined,
    });
  }
  const hashSecret = `hash-${Math.random().toString(36).slice(2)}`;
  for (const name of ['account', 'container', 'object', 'block'] as const) {
    const b = RingBuilder.create({ partPower: opts.partPower ?? 6, replicas, minPartHours: 0, hashSecret });
    for (const n of nodes) b.addDevice({ region: 1, zone: n.index + 1, ip: '127.0.0.1', port: n.port, device: n.device, weight: 100, meta: '' });
    b.rebalance({ seed: 1 });
    await b.writeRing(ringFilePath(ringDir, name));
  }
  for (const n of nodes) {
    const config = {
      nodeId: n.nodeId, bindIp: '127.0.0.1', port: n.port, devices: [{ name: n.device, path: n.devicePath }],
      ringDir, peerSecret, reserveBytes: 0, logLevel: 'info', ...opts.nodeConfig, ...opts.nodeConfigs?.[n.index],
    };
    await writeFile(n.configFile, JSON.stringify(config, null, 2));
  }

  const startNode = async (n: TestNode): Promise<void> => {
    n.proc = spawnNode(n);
    await waitForLine(n.logFile, 'storage node ready', n.proc, readyTimeoutMs);
  };
  // Log files are appended to across restarts; the ready check must only see the new run.
  const restartNode = async (n: TestNode): Promise<void> => {
    await writeFile(n.logFile, '');
    await startNode(n);
  };
  await Promise.all(nodes.map(startNode));

  return {
    dir, ringDir, peerSecret, nodes,
    async kill(i) {
      const n = nodes[i];
      if (!n?.proc) return;
      n.proc.kill('SIGKILL');
      await exited(n.proc);
      n.proc = undefined;
    },
    async restart(i) {
      const n = nodes[i];
      if (!n) throw new Error(`No node ${i}`);
      if (n.proc) {
        n.proc.kill('SIGKILL');
        await exited(n.proc);
      }
      await restartNode(n);
    },
    async openCluster(config = {}) {
      const o = await openReplicatedCluster({
        ringDir,
        config: { peerSecret, connectTimeoutMs: 1000, nodeTimeoutMs: 5000, chunkTimeoutMs: 5000, ...config },
      });
      opened.push(o);
      return o;
    },
    async writeClusterFile() {
      const file = join(dir, 'cluster.json');
      await writeFile(file, JSON.stringify({ ringDir, peerSecret, proxyUrl: 'http://127.0.0.1:1', blockGateway: '127.0.0.1:1' }, null, 2));
      return file;
    },
  };
}
