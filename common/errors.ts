/**
 * The one error type of Strata's core. Core code throws codes, never protocol numbers; each edge
 * (Swift, S3, gRPC, NBD, CLI) maps codes to its own terms in its own errors.ts.
 */
export type ErrorCode =
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'CONFLICT'
  | 'INVALID_ARGUMENT'
  | 'PRECONDITION_FAILED'
  | 'RANGE_NOT_SATISFIABLE'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'NO_SPACE'
  | 'NOT_MOUNTED'
  | 'CHECKSUM_MISMATCH'
  | 'QUORUM_NOT_MET'
  | 'UNAVAILABLE'
  | 'TIMEOUT'
  | 'TOO_LARGE'
  | 'IN_USE'
  | 'STALE'
  | 'CORRUPT'
  | 'NOT_IMPLEMENTED'
  | 'INTERNAL';

export const ERROR_CODES: readonly ErrorCode[] = [
  'NOT_FOUND', 'ALREADY_EXISTS', 'CONFLICT', 'INVALID_ARGUMENT', 'PRECONDITION_FAILED',
  'RANGE_NOT_SATISFIABLE', 'UNAUTHENTICATED', 'PERMISSION_DENIED', 'NO_SPACE', 'NOT_MOUNTED',
  'CHECKSUM_MISMATCH', 'QUORUM_NOT_MET', 'UNAVAILABLE', 'TIMEOUT', 'TOO_LARGE', 'IN_USE', 'STALE',
  'CORRUPT', 'NOT_IMPLEMENTED', 'INTERNAL',
];

/** An error with a machine-readable code. Messages: the failed action first, values quoted. */
export class StoreError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}

/** True when `code` is one of Strata's error codes (for decoding codes received over the wire). */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code);
}

/** Returns the code of any thrown value; anything that is not a StoreError is INTERNAL. */
export function errorCodeOf(err: unknown): ErrorCode {
  return err instanceof StoreError ? err.code : 'INTERNAL';
}

/** Maps Node's file-system errno to a code, so that a full disk says NO_SPACE everywhere. */
export function fromFsError(err: unknown, action: string): StoreError {
  if (err instanceof StoreError) return err;
  const errno = (err as NodeJS.ErrnoException | undefined)?.code;
  const code: ErrorCode =
    errno === 'ENOENT' ? 'NOT_FOUND'
      : errno === 'ENOSPC' || errno === 'EDQUOT' ? 'NO_SPACE'
        : errno === 'EEXIST' ? 'ALREADY_EXISTS'
          : errno === 'EIO' ? 'CORRUPT'
            : 'INTERNAL';
  const detail = err instanceof Error ? err.message : String(err);
  return new StoreError(code, `${action}: ${detail}`, { cause: err });
}
