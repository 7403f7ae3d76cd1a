/**
 * Several proxy processes on one port (node:cluster). A proxy is one JavaScript thread: on a
 * machine with more cores it needs more processes to use them, as Swift runs proxy workers.
 * The primary only forks, watches and stops the workers; each worker is a whole proxy
 * (proxy-worker-main.ts → startProxy) listening on the shared port, and the primary hands out
 * incoming connections among them. A worker that dies is replaced, at most once a second.
 */
import cluster, { type Worker } from 'node:cluster';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StoreError, type Logger } from '../common/index.js';

/** A started proxy: one process serving requests, or a primary supervising workers. */
export interface RunningProxy {
  /** Base URL the proxy listens on, e.g. http://127.0.0.1:8080. */
  url: string;
  close(): Promise<void>;
}

/** Longest wait for the workers to listen, and for one to stop before it is killed (ms). */
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
const RESTART_DELAY_MS = 1_000;

/** Where the workers come from; tests replace the entry with a small script. */
export interface ProxyWorkerOptions {
  /** Worker entry file; default proxy-worker-main beside this file. */
  exec?: string;
  /** Node options of the workers; default this process's. */
  execArgv?: string[];
}

/**
 * Forks `count` proxy workers for `configFile` and resolves once all listen.
 * @throws UNAVAILABLE when a worker exits before it listens, or they do not listen in time
 */
export async function startProxyWorkers(configFile: string, count: number, log: Logger, opts: ProxyWorkerOptions = {}): Promise<RunningProxy> {
  // The worker entry beside this file, with this file's extension (.js when built).
  const exec = opts.exec ?? fileURLToPath(new URL(`./proxy-worker-main${extname(fileURLToPath(import.meta.url))}`, import.meta.url));
  cluster.setupPrimary({ exec, args: [configFile], ...(opts.execArgv ? { execArgv: opts.execArgv } : {}) });
  const workers = new Set<Worker>();
  let stopping = false;
  let url = '';

  const fork = (): Worker => {
    const w = cluster.fork();
    workers.add(w);
    w.once('exit', (code, signal) => {
      workers.delete(w);
      if (stopping || !started) return;
      log.error({ pid: w.process.pid, code, signal }, 'proxy worker died; starting another');
      setTimeout(() => { if (!stopping) fork(); }, RESTART_DELAY_MS).unref();
    });
    return w;
  };

  let started = false;
  const stopAll = async (): Promise<void> => {
    stopping = true;
    await Promise.all([...workers].map((w) => new Promise<void>((resolve) => {
      if (w.isDead()) return resolve();
      const timer = setTimeout(() => w.process.kill('SIGKILL'), STOP_TIMEOUT_MS);
      w.once('exit', () => { clearTimeout(timer); resolve(); });
      w.process.kill('SIGTERM');
    })));
  };

  try {
    await new Promise<void>((resolve, reject) => {
      let listening = 0;
      const timer = setTimeout(() => reject(new StoreError('UNAVAILABLE', `Cannot start proxy workers: not listening within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      for (let i = 0; i < count; i++) {
        const w = fork();
        w.once('listening', (address) => {
          const host = address.address && address.address.includes(':') ? `[${address.address}]` : address.address || '127.0.0.1';
          url = `http://${host}:${address.port}`;
          if (++listening === count) {
            clearTimeout(timer);
            resolve();
          }
        });
        w.once('exit', (code) => {
          if (!started) {
            clearTimeout(timer);
            reject(new StoreError('UNAVAILABLE', `Cannot start proxy workers: worker ${w.process.pid} exited with code ${code} before listening`));
          }
        });
      }
    });
  } catch (err) {
    await stopAll();
    throw err;
  }
  started = true;
  log.info({ url, workers: count }, 'proxy workers listening');
  return { url, close: stopAll };
}
