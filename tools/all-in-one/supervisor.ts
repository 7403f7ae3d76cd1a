/**
 * Runs the all-in-one's processes as children of `strata start`: each child's output goes to its
 * own log file, a child that dies unexpectedly is restarted with a growing back-off (capped), and
 * stop() ends them all (SIGTERM, then SIGKILL after a grace period).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, writeFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { once } from 'node:events';
import { SERVER_EXEC_ARGV, type Logger } from '../../common/index.js';

export interface ChildSpec {
  name: string;
  args: string[];
  logFile: string;
  /** The child is ready once this loopback or bound address accepts TCP connections. */
  ready: { host: string; port: number };
}

interface Running {
  spec: ChildSpec;
  child?: ChildProcess;
  log: WriteStream;
  restarts: number;
  restartTimer?: NodeJS.Timeout;
}

const STOP_GRACE_MS = 10_000;
const MAX_BACKOFF_MS = 30_000;

export class Supervisor {
  private readonly running = new Map<string, Running>();
  private stopping = false;

  /** @param runDir where `<name>.pid` files are kept, so operators and tests can find each process */
  constructor(private readonly entry: string, private readonly runDir: string, private readonly log: Logger) {}

  /** Starts a child and resolves once it printed its ready line. @throws if it exits first */
  async start(spec: ChildSpec, readyTimeoutMs = 90_000): Promise<void> {
    // A late start (a layout reload racing Ctrl-C) must not leave a child nobody stops.
    if (this.stopping) throw new Error(`Cannot start "${spec.name}": the all-in-one is stopping`);
    const entry: Running = { spec, log: createWriteStream(spec.logFile, { flags: 'a' }), restarts: 0 };
    this.running.set(spec.name, entry);
    await this.launch(entry, readyTimeoutMs);
  }

  private launch(entry: Running, readyTimeoutMs: number): Promise<void> {
    const { spec } = entry;
    const child = spawn(process.execPath, [...SERVER_EXEC_ARGV, this.entry, ...spec.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    entry.child = child;
    if (child.pid !== undefined) writeFileSync(join(this.runDir, `${spec.name}.pid`), `${child.pid}\n`);
    child.stdout?.pipe(entry.log, { end: false });
    child.stderr?.pipe(entry.log, { end: false });
    const ready = new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (err?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err); else resolve();
      };
      const timer = setTimeout(() => finish(new Error(`"${spec.name}" was not ready after ${readyTimeoutMs} ms (see ${spec.logFile})`)), readyTimeoutMs);
      child.once('exit', (code, signal) => finish(new Error(`"${spec.name}" exited during start (code ${code ?? signal}); see ${spec.logFile}`)));
      const probe = (): void => {
        if (settled) return;
        const socket = connect(spec.ready.port, spec.ready.host);
        socket.once('connect', () => { socket.destroy(); finish(); });
        socket.once('error', () => { socket.destroy(); setTimeout(probe, 100); });
      };
      probe();
    });
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      const delayMs = Math.min(MAX_BACKOFF_MS, 500 * 2 ** entry.restarts);
      entry.restarts += 1;
      this.log.warn({ child: spec.name, code, signal, delayMs }, 'child exited; restarting');
      entry.restartTimer = setTimeout(() => {
        this.launch(entry, readyTimeoutMs).then(
          () => { entry.restarts = 0; this.log.info({ child: spec.name }, 'child restarted'); },
          (err: unknown) => this.log.error({ child: spec.name, err }, 'child failed to restart'),
        );
      }, delayMs);
    });
    return ready;
  }

  /** Ends every child: SIGTERM, then SIGKILL for those still alive after the grace period. */
  async stop(): Promise<void> {
    this.stopping = true;
    const waits: Promise<unknown>[] = [];
    for (const entry of this.running.values()) {
      if (entry.restartTimer) clearTimeout(entry.restartTimer);
      const child = entry.child;
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        waits.push(exited.finally(() => clearTimeout(killer)));
      }
    }
    await Promise.all(waits);
    for (const entry of this.running.values()) entry.log.end();
  }

  /** True when a child of this name was started (running, or waiting to be restarted). */
  has(name: string): boolean {
    return this.running.has(name);
  }

  /** PIDs of the children, by name (for status output and tests). */
  pids(): Record<string, number | undefined> {
    return Object.fromEntries([...this.running].map(([name, e]) => [name, e.child?.pid]));
  }
}
