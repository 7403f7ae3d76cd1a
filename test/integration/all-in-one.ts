/**
 * Starts the real all-in-one (`node dist/tools/strata.js start`) on free loopback ports in a
 * temporary data folder, waits for "ready", and ends it in t.teardown. Tests use the PID files
 * under <data>/run/ to kill single processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const STRATA_ENTRY = fileURLToPath(new URL('../../dist/tools/strata.js', import.meta.url));

/** A TCP port that was free a moment ago (bind 0, read, close). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

/** `count` consecutive free ports starting at a random base (for --base-port). */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 30000);
    const ok = await Promise.all(Array.from({ length: count }, (_, i) => isFree(base + i)));
    if (ok.every(Boolean)) return base;
  }
  throw new Error('no free port range found');
}

async function isFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export interface AllInOne {
  dataDir: string;
  proxyUrl: string;
  authUrl: string;
  blockPort: number;
  /** Environment for CLI commands: STRATA_HOME points at this all-in-one's pointer file. */
  env: NodeJS.ProcessEnv;
  process: ChildProcess;
  output(): string;
  pidOf(name: string): Promise<number>;
  stop(): Promise<void>;
  /** Stops this all-in-one and starts it again on the same data folder and ports. */
  restart(): Promise<AllInOne>;
}

interface Ports { proxyPort: number; blockPort: number; basePort: number }

interface Teardown { teardown(fn: () => unknown): void }

/**
 * Starts an all-in-one in a fresh temporary data folder (removed after the processes stopped:
 * a tap testdir would be removed while they still write).
 */
export async function startAllInOne(t: Teardown, opts: { nodes?: number; timeoutMs?: number; partPower?: number } = {}): Promise<AllInOne> {
  const dataDir = await mkdtemp(join(tmpdir(), 'strata-aio-'));
  let current: AllInOne | undefined;
  t.teardown(async () => {
    await current?.stop();
    await rm(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  });
  current = await startIn(t, dataDir, opts, (next) => { current = next; });
  return current;
}

async function startIn(t: Teardown, dataDir: string, opts: { nodes?: number; timeoutMs?: number; partPower?: number; ports?: Ports },
  onRestart: (next: AllInOne) => void): Promise<AllInOne> {
  const proxyPort = opts.ports?.proxyPort ?? await freePort();
  const blockPort = opts.ports?.blockPort ?? await freePort();
  const basePort = opts.ports?.basePort ?? await freePortRange(opts.nodes ?? 4);
  const env = { ...process.env, STRATA_HOME: join(dataDir, '.strata-home') };
  const args = [STRATA_ENTRY, 'start', '--data-dir', dataDir, '--proxy-port', String(proxyPort),
    '--base-port', String(basePort), '--block-port', String(blockPort), '--nodes', String(opts.nodes ?? 4), '--part-power', String(opts.partPower ?? 10), '--log-level', 'warn'];
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(killer);
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  while (!/^ready$/m.test(out)) {
    if (child.exitCode !== null) throw new Error(`strata start exited with ${child.exitCode}:\n${out}`);
    if (Date.now() > deadline) throw new Error(`strata start not ready in time:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const proxyUrl = `http://127.0.0.1:${proxyPort}`;
  return {
    dataDir,
    proxyUrl,
    authUrl: `${proxyUrl}/auth/v1.0`,
    blockPort,
    env,
    process: child,
    output: () => out,
    pidOf: async (name) => Number((await readFile(join(dataDir, 'run', `${name}.pid`), 'utf8')).trim()),
    stop,
    restart: async () => {
      await stop();
      const next = await startIn(t, dataDir, { ...opts, ports: { proxyPort, blockPort, basePort } }, onRestart);
      onRestart(next);
      return next;
    },
  };
}
