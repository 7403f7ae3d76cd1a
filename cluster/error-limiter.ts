/**
 * ErrorLimiter: remembers which devices failed recently so that requests avoid them for a while,
 * as Swift's proxy does. A device that fails `threshold` times within `windowMs` is limited for
 * `suppressionMs`; a success clears its count. Only failures that say something about the node
 * count (unreachable, timeout, not mounted, full, internal error), never "not found".
 */
import type { Clock, ErrorCode, Logger } from '../common/index.js';
import { systemClock } from '../common/index.js';

export interface ErrorLimiterConfig {
  /** Failures within the window that trigger suppression. */
  threshold: number;
  /** How far back failures are counted (ms). */
  windowMs: number;
  /** How long a device is avoided once limited (ms). */
  suppressionMs: number;
}

/** Codes that mean the device is unhealthy rather than that the request was wrong. */
const NODE_FAULTS: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['UNAVAILABLE', 'TIMEOUT', 'NOT_MOUNTED', 'NO_SPACE', 'INTERNAL', 'CORRUPT']);

/** True when an error code counts against the device that returned it. */
export function isNodeFault(code: ErrorCode): boolean {
  return NODE_FAULTS.has(code);
}

interface Entry {
  /** Failure times (monotonic ms), oldest first, at most `threshold` kept. */
  failures: number[];
  limitedUntil: number;
}

export class ErrorLimiter {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly config: ErrorLimiterConfig, private readonly clock: Clock = systemClock, private readonly log?: Logger) {}

  /** Records a failure of `key` ("ip:port/device") if `code` is a node fault. */
  recordError(key: string, code: ErrorCode): void {
    if (!isNodeFault(code)) return;
    const now = this.clock.monoMs();
    let e = this.entries.get(key);
    if (!e) {
      e = { failures: [], limitedUntil: 0 };
      this.entries.set(key, e);
    }
    e.failures.push(now);
    while (e.failures.length > 0 && (e.failures[0] as number) < now - this.config.windowMs) e.failures.shift();
    if (e.failures.length > this.config.threshold) e.failures.shift();
    if (e.failures.length >= this.config.threshold && e.limitedUntil <= now) {
      e.limitedUntil = now + this.config.suppressionMs;
      this.log?.warn({ device: key, code, suppressionMs: this.config.suppressionMs }, 'device error limited');
    }
  }

  /** Clears the failure count of `key` (it answered). */
  recordSuccess(key: string): void {
    const e = this.entries.get(key);
    if (e && e.limitedUntil <= this.clock.monoMs()) this.entries.delete(key);
  }

  /** True while `key` is being avoided. */
  isLimited(key: string): boolean {
    const e = this.entries.get(key);
    if (!e) return false;
    if (e.limitedUntil > this.clock.monoMs()) return true;
    if (e.limitedUntil > 0) {
      // Suppression over: give it a fresh start rather than limiting again on its next failure.
      this.entries.delete(key);
    }
    return false;
  }

  /** Devices limited right now (for health reports and tests). */
  limitedKeys(): string[] {
    return [...this.entries.keys()].filter((k) => this.isLimited(k));
  }
}
