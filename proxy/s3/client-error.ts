/**
 * Raw HTTP answers for requests that Node's parser rejects before any route runs (header section
 * too large, malformed request line). The app passes them to fastify's `clientErrorHandler`, so
 * S3 clients get an S3 XML error rather than a bare status line. Swift clients only look at the
 * status, which is the same.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { renderXml } from './xml.js';

/** The raw response for a parser error (`err.code` like "HPE_HEADER_OVERFLOW"). */
export function clientErrorResponse(err: { code?: string }): string {
  const overflow = err.code === 'HPE_HEADER_OVERFLOW';
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const body = renderXml('Error', {
    Code: overflow ? 'RequestHeaderSectionTooLarge' : 'InvalidRequest',
    Message: overflow ? 'Your request header section exceeds the maximum allowed size' : 'The request could not be parsed',
    RequestId: requestId,
  }, null);
  return [
    'HTTP/1.1 400 Bad Request', 'Content-Type: application/xml', `Content-Length: ${Buffer.byteLength(body)}`,
    `x-amz-request-id: ${requestId}`, 'Connection: close', '', body,
  ].join('\r\n');
}

/** A fastify `clientErrorHandler`: answers once if the socket can still be written, then closes. */
export function s3ClientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (socket.writable) socket.end(clientErrorResponse(err));
  else socket.destroy();
}
