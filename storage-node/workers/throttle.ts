/**
 * Throttle: a rate limit for background workers (bytes/s or files/s), so a replicator or
 * auditor catching up on a backlog never takes the disk or network from client requests. It
 * spends a budget of one second and sleeps when the budget runs out; 0 means unlimited. The
 * rate may change while workers run (the data-movement limit set by operators): a change
 * ends the waits in progress, so a raised limit takes effect at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export class Throttle {
  private windowStart = performance.now();
  private used = 0;
  /** Aborted when the rate changes: every wait in progress ends. */
  private rateChange = new AbortController();

  /** @param perSecond units allowed per second; 0 or less: unlimited */
  constructor(private perSecond: number) {}

  /** Units allowed per second now; 0: unlimited. */
  get rate(): number {
    return Math.max(0, this.perSecond);
  }

  /** Changes the rate; waits in progress end and the budget starts afresh. */
  setRate(perSecond: number): void {
    if (perSecond === this.perSecond) return;
    this.perSecond = perSecond;
    this.windowStart = performance.now();
    this.used = 0;
    this.rateChange.abort();
    this.rateChange = new AbortController();
  }

  /** Waits until `units` more may be spent. Resolves early (without waiting) when `signal` aborts. */
  async take(units: number, signal?: AbortSignal): Promise<void> {
    if (this.perSecond <= 0) return;
    const now = performance.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.used = 0;
    }
    this.used += units;
    if (this.used <= this.perSecond) return;
    // Over budget: wait as long as the excess takes at the allowed rate.
    const waitMs = Math.min(60_000, ((this.used - this.perSecond) / this.perSecond) * 1000 + (1000 - (now - this.windowStart)));
    const changed = this.rateChange.signal;
    try {
      await sleep(waitMs, undefined, { signal: signal ? AbortSignal.any([signal, changed]) : changed });
    } catch {
      return;
    }
    this.windowStart = performance.now();
    this.used = 0;
  }
}

/** Passes chunks through, spending their length on `throttle` first. */
export async function* throttled(source: AsyncIterable<Uint8Array>, throttle: Throttle, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    await throttle.take(chunk.length, signal);
    yield chunk;
  }
}
