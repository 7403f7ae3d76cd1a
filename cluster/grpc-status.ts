/**
 * The one mapping between Strata's ErrorCode and gRPC status, used by both ends of the
 * storage-node contract. The server sends a status plus metadata "x-strata-error-code"; the
 * client rebuilds a StoreError from that code only, never from the message, so that wording can
 * change freely. Statuses matter only to generic gRPC tools (grpcurl) and to transport failures,
 * which carry no Strata code.
 */
import { Metadata, status, type ServiceError, type ServerErrorResponse } from '@grpc/grpc-js';
import { StoreError, isErrorCode, type ErrorCode } from '../common/index.js';
import { ERROR_CODE_METADATA_KEY } from './storage-proto.js';

/** gRPC status sent for each Strata error code. */
export const GRPC_STATUS_OF: Readonly<Record<ErrorCode, status>> = {
  NOT_FOUND: status.NOT_FOUND,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  CONFLICT: status.ABORTED,
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  PRECONDITION_FAILED: status.FAILED_PRECONDITION,
  RANGE_NOT_SATISFIABLE: status.OUT_OF_RANGE,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  NO_SPACE: status.RESOURCE_EXHAUSTED,
  NOT_MOUNTED: status.UNAVAILABLE,
  CHECKSUM_MISMATCH: status.INVALID_ARGUMENT,
  QUORUM_NOT_MET: status.UNAVAILABLE,
  UNAVAILABLE: status.UNAVAILABLE,
  TIMEOUT: status.DEADLINE_EXCEEDED,
  TOO_LARGE: status.OUT_OF_RANGE,
  IN_USE: status.FAILED_PRECONDITION,
  STALE: status.ABORTED,
  CORRUPT: status.DATA_LOSS,
  NOT_IMPLEMENTED: status.UNIMPLEMENTED,
  INTERNAL: status.INTERNAL,
};

/**
 * Server side: turns any thrown value into the error a grpc-js handler passes to its callback.
 * Server-streaming handlers send it with `call.emit('error', toServiceError(e))` (`destroy()`
 * sends no status). A StoreError keeps its message; anything else becomes INTERNAL with a generic
 * message, because internals must not leak to peers (the server logs the original with its stack).
 */
export function toServiceError(err: unknown): ServerErrorResponse {
  const code: ErrorCode = err instanceof StoreError ? err.code : 'INTERNAL';
  const message = err instanceof StoreError ? err.message : 'Internal error in storage node';
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_METADATA_KEY, code);
  const out = new Error(message) as ServerErrorResponse;
  out.code = GRPC_STATUS_OF[code];
  out.details = message;
  out.metadata = metadata;
  return out;
}

/** True when a value looks like a grpc-js client error (it has a numeric status code). */
function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number';
}

/** The code a transport-level failure (no Strata code in metadata) stands for. */
function codeOfBareStatus(code: number): ErrorCode {
  switch (code) {
    case status.UNAVAILABLE:
    case status.CANCELLED:
      return 'UNAVAILABLE';
    case status.DEADLINE_EXCEEDED:
      return 'TIMEOUT';
    case status.UNIMPLEMENTED:
      return 'NOT_IMPLEMENTED';
    case status.UNAUTHENTICATED:
      return 'UNAUTHENTICATED';
    default:
      return 'INTERNAL';
  }
}

/** grpc-js transport messages carry resolver notes; keep the part an operator needs. */
function conciseTransportDetail(detail: string): string {
  return detail
    .replace(/\s*Resolution note:.*$/s, '')
    .replace(/^No connection established\. Last error: (?:Error: )?/, 'unreachable: ')
    .trim();
}

/**
 * Client side: rebuilds a StoreError from a failed call. The code comes from the
 * "x-strata-error-code" metadata; without it (the node was unreachable, the deadline passed, the
 * stream broke) transport statuses become UNAVAILABLE or TIMEOUT and anything else INTERNAL.
 * `context` (e.g. `Cannot HEAD object "a/c/o" on 10.0.0.1:6200`) prefixes the message.
 */
export function fromServiceError(err: unknown, context?: string): StoreError {
  if (err instanceof StoreError) return err;
  let code: ErrorCode = 'INTERNAL';
  let detail = err instanceof Error ? err.message : String(err);
  if (isServiceError(err)) {
    const sent = err.metadata?.get(ERROR_CODE_METADATA_KEY)[0];
    const sentCode = typeof sent === 'string' ? sent : sent?.toString('utf8');
    code = isErrorCode(sentCode) ? sentCode : codeOfBareStatus(err.code);
    detail = isErrorCode(sentCode) ? err.details || detail : conciseTransportDetail(err.details || detail);
  }
  return new StoreError(code, context ? `${context}: ${detail}` : detail, { cause: err });
}
