/**
 * RingWatcher: keeps a process on the newest ring file without a restart. Polls the file's mtime
 * and size (cheap, works on every file system, unlike fs.watch across renames); on a change it
 * loads the new ring and swaps it in only if it loads cleanly, so a half-copied or corrupt file
 * never replaces a good ring.
 */
import { stat } from 'node:fs/promises';
import { StoreError, silentLogger, type Logger } from '../common/index.js';
import { Ring } from './ring.js';

export class RingWatcher {
  private current: Ring | undefined;
  private stamp = '';
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners: Array<(r: Ring) => void> = [];
  private readonly intervalMs: number;
  private readonly log: Logger;
  private checking = false;
  private closed = false;

  constructor(private readonly file: string, opts: { intervalMs?: number; log?: Logger } = {}) {
    this.intervalMs = opts.intervalMs ?? 1000;
    this.log = opts.log ?? silentLogger();
  }

  /** Loads the ring and starts polling. @throws NOT_FOUND, CORRUPT (first load only) */
  async start(): Promise<Ring> {
    this.stamp = await this.readStamp();
    this.current = await Ring.load(this.file);
    this.log.info({ file: this.file, version: this.current.version }, 'ring loaded');
    if (!this.closed) {
      this.timer = setInterval(() => void this.check(), this.intervalMs);
      this.timer.unref();
    }
    return this.current;
  }

  /** The ring in use. @throws PRECONDITION_FAILED before start() resolved */
  get ring(): Ring {
    if (!this.current) throw new StoreError('PRECONDITION_FAILED', `Cannot use ring "${this.file}": not loaded yet`);
    return this.current;
  }

  /** Calls `fn` after each successful reload. */
  onReload(fn: (r: Ring) => void): void {
    this.listeners.push(fn);
  }

  /** Stops polling. */
  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One poll; exposed so tests need not wait for the timer. Never throws. */
  async check(): Promise<boolean> {
    if (this.checking || this.closed) return false;
    this.checking = true;
    try {
      const stamp = await this.readStamp();
      if (stamp === this.stamp) return false;
      const ring = await Ring.load(this.file);
      this.stamp = stamp;
      if (this.closed) return false;
      const old = this.current?.version;
      this.current = ring;
      this.log.info({ file: this.file, version: ring.version, previous: old }, 'ring reloaded');
      for (const fn of this.listeners) {
        try {
          fn(ring);
        } catch (err) {
          this.log.error({ err }, 'ring reload listener failed');
        }
      }
      return true;
    } catch (err) {
      // Keep serving the old ring; retry at the next poll.
      this.log.warn({ file: this.file, err: (err as Error).message }, 'ring reload failed; keeping the previous ring');
      return false;
    } finally {
      this.checking = false;
    }
  }

  private async readStamp(): Promise<string> {
    try {
      const s = await stat(this.file);
      return `${s.mtimeMs}:${s.size}:${s.ino}`;
    } catch (err) {
      throw new StoreError('NOT_FOUND', `Cannot watch ring "${this.file}": ${(err as Error).message}`, { cause: err });
    }
  }
}
