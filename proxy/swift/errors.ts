/**
 * All of the Swift API's status mapping: ErrorCode → HTTP status, and the error responses.
 * Route code throws StoreError (or SwiftStatusError for the few pure-HTTP conditions that have no
 * storage meaning, like 411 Length Required); nothing else in proxy/swift picks error statuses.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { StoreError, errorCodeOf, type ErrorCode } from '../../common/index.js';

export const SWIFT_STATUS: Readonly<Record<ErrorCode, number>> = Object.freeze({
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  CONFLICT: 409,
  INVALID_ARGUMENT: 400,
  PRECONDITION_FAILED: 412,
  RANGE_NOT_SATISFIABLE: 416,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NO_SPACE: 507,
  NOT_MOUNTED: 507,
  CHECKSUM_MISMATCH: 422,
  QUORUM_NOT_MET: 503,
  UNAVAILABLE: 503,
  TIMEOUT: 408,
  TOO_LARGE: 413,
  IN_USE: 409,
  STALE: 503,
  CORRUPT: 503,
  NOT_IMPLEMENTED: 501,
  INTERNAL: 500,
});

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 406: 'Not Acceptable', 408: 'Request Timeout', 409: 'Conflict',
  411: 'Length Required', 412: 'Precondition Failed', 413: 'Request Entity Too Large',
  416: 'Requested Range Not Satisfiable', 422: 'Unprocessable Entity', 499: 'Client Disconnect',
  500: 'Internal Error', 501: 'Not Implemented', 503: 'Service Unavailable', 507: 'Insufficient Storage',
};

/** An HTTP-level condition with no storage meaning (411, 405, 406), with optional headers. */
export class SwiftStatusError extends StoreError {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT', message);
  }
}

/** A StoreError carrying extra response headers (e.g. Content-Range on 416). */
export function withHeaders(err: StoreError, headers: Record<string, string>): StoreError {
  return Object.assign(err, { swiftHeaders: headers });
}

/** Status for any thrown value. */
export function swiftStatusOf(err: unknown): number {
  if (err instanceof SwiftStatusError) return err.status;
  // fastify's own errors (bad URL encoding, unsupported media type) carry a 4xx statusCode.
  const fst = (err as Partial<FastifyError> | null)?.statusCode;
  if (!(err instanceof StoreError) && typeof fst === 'number' && fst >= 400 && fst < 500) return fst;
  return SWIFT_STATUS[errorCodeOf(err)];
}

/**
 * The Swift plugin's error handler: status from the code, a short text body (the message for
 * client errors, a generic phrase for server errors, which are logged with their stack).
 */
export function sendSwiftError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  // A client that hung up mid-request is not an operator's problem: 499, logged at debug.
  const gone = !request.raw.complete && request.raw.destroyed;
  const status = gone ? 499 : swiftStatusOf(err);
  if (status >= 500) request.log.error({ err }, 'swift request failed');
  else request.log.debug({ status, msg: (err as Error).message }, 'swift request refused');
  if (reply.sent || reply.raw.headersSent) {
    // The body has started: the only honest signal left is a cut connection.
    reply.raw.destroy();
    return reply;
  }
  const headers = err instanceof SwiftStatusError ? err.headers : (err as { swiftHeaders?: Record<string, string> }).swiftHeaders;
  for (const [k, v] of Object.entries(headers ?? {})) reply.header(k, v);
  const reason = REASONS[status] ?? 'Error';
  const text = status >= 500 || !(err instanceof StoreError) ? reason : err.message;
  reply.code(status).type('text/plain; charset=utf-8');
  if (request.method === 'HEAD') return reply.header('content-length', '0').send();
  return reply.send(`${text}\n`);
}
