/**
 * A per-key async lock with shared (many holders) and exclusive (one holder) modes, used by the
 * block gateway and the extent service to order operations on one extent or register without a
 * global lock. Waiters are served in arrival order, so exclusive holders are never starved.
 */

interface Waiter { exclusive: boolean; wake: () => void }
interface Entry { shared: number; exclusive: boolean; queue: Waiter[] }

/** Keyed reader/writer lock. */
export class KeyedMutex {
  private readonly entries = new Map<string, Entry>();

  /** Number of keys currently held or awaited (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  /** Runs `fn` holding `key` exclusively. */
  async exclusive<T>(key: string, fn: () => Promise<T>): Promise<T> {
    await this.acquire(key, true);
    try {
      return await fn();
    } finally {
      this.release(key, true);
    }
  }

  /** Runs `fn` holding `key` in shared mode (alongside other shared holders). */
  async shared<T>(key: string, fn: () => Promise<T>): Promise<T> {
    await this.acquire(key, false);
    try {
      return await fn();
    } finally {
      this.release(key, false);
    }
  }

  private acquire(key: string, exclusive: boolean): Promise<void> {
    let e = this.entries.get(key);
    if (!e) {
      e = { shared: 0, exclusive: false, queue: [] };
      this.entries.set(key, e);
    }
    if (e.queue.length === 0 && this.canTake(e, exclusive)) {
      this.take(e, exclusive);
      return Promise.resolve();
    }
    const entry = e;
    return new Promise((resolve) => entry.queue.push({ exclusive, wake: resolve }));
  }

  private canTake(e: Entry, exclusive: boolean): boolean {
    return exclusive ? !e.exclusive && e.shared === 0 : !e.exclusive;
  }

  private take(e: Entry, exclusive: boolean): void {
    if (exclusive) e.exclusive = true;
    else e.shared++;
  }

  private release(key: string, exclusive: boolean): void {
    const e = this.entries.get(key);
    if (!e) return;
    if (exclusive) e.exclusive = false;
    else e.shared--;
    while (e.queue.length > 0 && this.canTake(e, e.queue[0].exclusive)) {
      const w = e.queue.shift() as Waiter;
      this.take(e, w.exclusive);
      w.wake();
    }
    if (!e.exclusive && e.shared === 0 && e.queue.length === 0) this.entries.delete(key);
  }
}
