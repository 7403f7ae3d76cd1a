/**
 * The one mapping from Strata error codes to NBD errnos. Anything unknown is EIO: a block
 * client can only retry or fail the I/O, and EIO tells it exactly that.
 */
import { StoreError, type ErrorCode } from '../../common/index.js';
import { NBD_EINVAL, NBD_EIO, NBD_ENOSPC, NBD_ENOTSUP, NBD_EOVERFLOW, NBD_EPERM, NBD_ESHUTDOWN } from './nbd-constants.js';

export const NBD_ERRNO_OF: Readonly<Record<ErrorCode, number>> = {
  NOT_FOUND: NBD_EIO,
  ALREADY_EXISTS: NBD_EIO,
  CONFLICT: NBD_EIO,
  INVALID_ARGUMENT: NBD_EINVAL,
  PRECONDITION_FAILED: NBD_EIO,
  RANGE_NOT_SATISFIABLE: NBD_EINVAL,
  UNAUTHENTICATED: NBD_EPERM,
  PERMISSION_DENIED: NBD_EPERM,
  NO_SPACE: NBD_ENOSPC,
  NOT_MOUNTED: NBD_EIO,
  CHECKSUM_MISMATCH: NBD_EIO,
  QUORUM_NOT_MET: NBD_EIO,
  UNAVAILABLE: NBD_EIO,
  TIMEOUT: NBD_EIO,
  TOO_LARGE: NBD_EOVERFLOW,
  IN_USE: NBD_EPERM,
  STALE: NBD_EIO,
  CORRUPT: NBD_EIO,
  NOT_IMPLEMENTED: NBD_ENOTSUP,
  INTERNAL: NBD_EIO,
};

/** Errno for a thrown value. */
export function nbdErrnoOf(err: unknown): number {
  return err instanceof StoreError ? NBD_ERRNO_OF[err.code] : NBD_EIO;
}

export { NBD_ESHUTDOWN };
