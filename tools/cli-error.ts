/**
 * How the `strata` CLI reports failure: one line on stderr, no stack trace, and an exit code
 * per error class, so that scripts can tell bad input (2) from a cluster problem (3+).
 */
import { StoreError, type ErrorCode } from '../common/index.js';

const EXIT_CODES: Record<ErrorCode, number> = {
  INVALID_ARGUMENT: 2,
  NOT_FOUND: 3,
  ALREADY_EXISTS: 4,
  CONFLICT: 4,
  IN_USE: 4,
  PRECONDITION_FAILED: 4,
  RANGE_NOT_SATISFIABLE: 2,
  UNAUTHENTICATED: 5,
  PERMISSION_DENIED: 5,
  CORRUPT: 6,
  CHECKSUM_MISMATCH: 6,
  NO_SPACE: 7,
  NOT_MOUNTED: 7,
  QUORUM_NOT_MET: 8,
  UNAVAILABLE: 8,
  TIMEOUT: 8,
  TOO_LARGE: 2,
  STALE: 8,
  NOT_IMPLEMENTED: 9,
  INTERNAL: 1,
};

/** Exit code for a thrown value. */
export function exitCodeOf(err: unknown): number {
  return err instanceof StoreError ? EXIT_CODES[err.code] : 1;
}

/** Prints `strata: <message>` and exits with the error's code. */
export function failAndExit(err: unknown): never {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`strata: ${message}\n`);
  if (!(err instanceof StoreError) && process.env.STRATA_DEBUG && err instanceof Error) {
    process.stderr.write(`${err.stack ?? ''}\n`);
  }
  process.exit(exitCodeOf(err));
}

/**
 * Wraps a command action so that any failure is reported as one line with an exit code.
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      failAndExit(err);
    }
  };
}
