/**
 * Turns a GetObject server stream (one head message, then chunks) into the head plus a byte
 * Readable with backpressure: when the consumer's buffer is full the gRPC call is paused, so HTTP/2
 * flow control slows the node down instead of memory growing. A node that goes silent for longer
 * than the chunk timeout while the consumer is waiting fails the body with TIMEOUT.
 */
import { Readable } from 'node:stream';
import type { ClientReadableStream } from '@grpc/grpc-js';
import { StoreError } from '../common/index.js';
import { fromServiceError } from './grpc-status.js';
import type { GetObjectHeadMsg, GetObjectResponseMsg } from './storage-messages.js';

const BODY_HIGH_WATER_MARK = 256 * 1024;

/**
 * Waits for the head (within `headTimeoutMs`) and returns it with the body stream.
 * Destroying the body cancels the call.
 * @throws the node's code (NOT_FOUND, RANGE_NOT_SATISFIABLE, ...), TIMEOUT, UNAVAILABLE
 */
export function readObjectStream(
  call: ClientReadableStream<GetObjectResponseMsg>,
  context: string,
  headTimeoutMs: number,
  chunkTimeoutMs: number,
): Promise<{ head: GetObjectHeadMsg; body: Readable }> {
  return new Promise((resolve, reject) => {
    let head: GetObjectHeadMsg | undefined;
    let idleTimer: NodeJS.Timeout | undefined;
    let finished = false;
    /** The head carried the whole body: the stream's end adds nothing. */
    let inline = false;

    const body = new Readable({
      highWaterMark: BODY_HIGH_WATER_MARK,
      read() {
        call.resume();
        armIdle();
      },
      destroy(err, cb) {
        clearTimeout(idleTimer);
        if (!finished) call.cancel();
        cb(err);
      },
    });

    const armIdle = (): void => {
      clearTimeout(idleTimer);
      if (finished || !head) return;
      idleTimer = setTimeout(() => {
        body.destroy(new StoreError('TIMEOUT', `${context}: no data for ${chunkTimeoutMs} ms`));
      }, chunkTimeoutMs);
    };

    const headTimer = setTimeout(() => {
      call.cancel();
      reject(new StoreError('TIMEOUT', `${context}: no answer within ${headTimeoutMs} ms`));
    }, headTimeoutMs);

    call.on('data', (msg: GetObjectResponseMsg) => {
      if (msg.part === 'head') {
        if (head) return;
        head = msg.head;
        clearTimeout(headTimer);
        if (head.inline) {
          inline = true;
          finished = true;
          if (head.body && head.body.length > 0) body.push(head.body);
          body.push(null);
          resolve({ head, body });
          return;
        }
        // Nothing flows until the consumer reads.
        call.pause();
        resolve({ head, body });
        return;
      }
      if (!head || inline) {
        clearTimeout(headTimer);
        call.cancel();
        if (!head) reject(new StoreError('INTERNAL', `${context}: body chunk before the head`));
        else body.destroy(new StoreError('INTERNAL', `${context}: body chunk after an inline body`));
        return;
      }
      clearTimeout(idleTimer);
      if (body.push(msg.chunk)) armIdle();
      else call.pause();
    });
    call.on('end', () => {
      finished = true;
      clearTimeout(idleTimer);
      if (!head) {
        clearTimeout(headTimer);
        reject(new StoreError('INTERNAL', `${context}: the stream ended without a head`));
      } else if (!inline) {
        body.push(null);
      }
    });
    call.on('error', (err) => {
      finished = true;
      clearTimeout(idleTimer);
      clearTimeout(headTimer);
      const mapped = fromServiceError(err, context);
      if (!head) reject(mapped);
      else if (!inline && !body.destroyed) body.destroy(mapped);
    });
  });
}
