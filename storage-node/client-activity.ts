/**
 * ClientActivity: how many client calls (object, container, account and extent services; not
 * replication or movement) a node is serving right now, and the rule by which data movement
 * gives way to them.
 *
 * The rule: before each step of moving data (one file pushed off a handoff partition, one
 * listing sent off a handoff), the mover waits until no client call is in flight and none has
 * ended for `IDLE_GAP_MS`, but never longer than `maxWaitMs`. A wait that ran out grants the
 * mover a work slice of `maxWaitMs` in which further steps go on without waiting: under steady
 * client load the mover thus works at most about half the time (clients get the disk and
 * network first), yet moves many small files per slice, so a rebalance always finishes.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Quiet time after the last client call ended before the mover goes on (ms). */
export const IDLE_GAP_MS = 2;
/** Poll step while waiting for a gap (ms). */
const POLL_MS = 1;

export class ClientActivity {
  private count = 0;
  private lastEndMs = Number.NEGATIVE_INFINITY;
  /** Until when (performance.now()) the mover may go on without waiting. */
  private sliceEndMs = Number.NEGATIVE_INFINITY;
  /** Times the mover waited, and the total wait (ms), for status and tests. */
  readonly stats = { yields: 0, waitedMs: 0 };

  /** Client calls running now. */
  get inFlight(): number {
    return this.count;
  }

  /** Marks a client call started; call the returned function once when it ends (idempotent). */
  begin(): () => void {
    this.count += 1;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.count -= 1;
      this.lastEndMs = performance.now();
    };
  }

  /** True when no client call runs and none ended within the idle gap. */
  idle(): boolean {
    return this.count === 0 && performance.now() - this.lastEndMs >= IDLE_GAP_MS;
  }

  /**
   * Waits for an idle gap in client traffic, at most `maxWaitMs` (0: never waits). Ends early
   * when `signal` aborts.
   */
  async yieldToClients(maxWaitMs: number, signal?: AbortSignal): Promise<void> {
    if (maxWaitMs <= 0 || this.idle()) return;
    const start = performance.now();
    if (start < this.sliceEndMs) return;
    this.stats.yields += 1;
    while (!this.idle() && !signal?.aborted) {
      const left = maxWaitMs - (performance.now() - start);
      if (left <= 0) break;
      await sleep(Math.min(POLL_MS, left));
    }
    const end = performance.now();
    this.stats.waitedMs += end - start;
    // Ran out of patience (clients still busy): a slice of work before the next wait.
    if (!this.idle()) this.sliceEndMs = end + maxWaitMs;
  }
}
