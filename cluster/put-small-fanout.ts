/**
 * PUT of a small object (its whole body already in hand, at most the small-PUT size): one
 * unary PutSmallObject call per replica instead of a stream of header, chunks and trailer. On
 * this path grpc-js's per-call work is most of a PUT's cost, and a stream of three messages cost
 * the proxy and each node about twice what one message does. Same rules as putFanout(): a
 * target that cannot be connected to is replaced by the next spare handoff (nothing was sent to
 * it), the write succeeds with a quorum of acknowledgements, and the timestamp is assigned once
 * the whole body has arrived.
 */
import { StoreError } from '../common/index.js';
import type { PutFanoutDeps, PutFanoutRequest } from './put-fanout.js';
import { deviceKey, type PlacedNode } from './placement.js';
import { asStoreError, outcomeOf } from './replica-calls.js';
import { reduceOutcomes, type NodeOutcome } from './quorum.js';
import type { PutObjectResponseMsg } from './storage-messages.js';
import type { Timestamp } from '../common/index.js';

/**
 * Reads a request body of `contentLength` bytes (at most one chunk) into one Buffer.
 * @throws INVALID_ARGUMENT when the body is longer or shorter than announced, or fails
 */
export async function readSmallBody(body: AsyncIterable<unknown>, contentLength: number, action: string): Promise<Buffer> {
  const out = Buffer.allocUnsafe(contentLength);
  let got = 0;
  try {
    for await (const piece of body) {
      const buf = Buffer.isBuffer(piece) ? piece : Buffer.from(piece as string);
      if (got + buf.length > contentLength) throw new StoreError('INVALID_ARGUMENT', `${action}: the body is longer than Content-Length ${contentLength}`);
      buf.copy(out, got);
      got += buf.length;
    }
  } catch (err) {
    if (err instanceof StoreError) throw err;
    throw new StoreError('INVALID_ARGUMENT', `${action}: the request body failed: ${(err as Error).message}`, { cause: err });
  }
  if (got < contentLength) throw new StoreError('INVALID_ARGUMENT', `${action}: the body ended after ${got} of ${contentLength} bytes`);
  return out;
}

export type PutSmallRequest = Omit<PutFanoutRequest, 'body' | 'chunkSize'> & { body: Buffer };

/**
 * Runs one replicated small PUT.
 * @returns the etag and size acknowledged by a quorum, and the timestamp assigned
 * @throws QUORUM_NOT_MET, CHECKSUM_MISMATCH, PRECONDITION_FAILED, INVALID_ARGUMENT (length)
 */
export async function putSmallFanout(req: PutSmallRequest, deps: PutFanoutDeps): Promise<{ etag: string; size: number; timestamp: Timestamp }> {
  if (req.contentLength !== undefined && req.contentLength !== req.body.length) {
    throw new StoreError('INVALID_ARGUMENT', `${req.action}: the body has ${req.body.length} bytes, Content-Length says ${req.contentLength}`);
  }
  const spares = [...req.spares];
  const failures: Array<NodeOutcome<never>> = [];
  const timestamp = req.nextTimestamp();
  const trailer = { timestamp, expectedEtag: req.expectedEtag ?? '' };

  const write = async (first: PlacedNode): Promise<NodeOutcome<PutObjectResponseMsg> | undefined> => {
    for (let node: PlacedNode | undefined = first; node;) {
      const key = deviceKey(node.device);
      const client = deps.pool.get(node.device.ip, node.device.port);
      try {
        await client.waitConnected();
      } catch (err) {
        // Never reached, nothing sent: the slot moves to the next spare handoff.
        const error = asStoreError(err);
        deps.limiter.recordError(key, error.code);
        failures.push({ ok: false, node: key, error });
        const spare = spares.shift();
        node = spare ? { device: spare, slot: first.slot, handoff: true } : undefined;
        continue;
      }
      const opts = { requestId: req.requestId, signal: req.signal };
      const header = req.headerFor(node);
      return outcomeOf(deps.limiter, key, client.putSmallObject({ header, body: req.body, trailer }, opts).catch(async (err: unknown) => {
        // A node of an older release has no PutSmallObject: stream to it (rolling upgrades).
        if (!(err instanceof StoreError) || err.code !== 'NOT_IMPLEMENTED') throw err;
        const stream = await client.putObject(header, opts);
        stream.write(req.body);
        return stream.finish(trailer);
      }));
    }
    return undefined;
  };

  const outcomes = (await Promise.all(req.targets.map(write))).filter((o): o is NodeOutcome<PutObjectResponseMsg> => o !== undefined);
  const acks = reduceOutcomes([...failures, ...outcomes], req.replicaCount, req.action);
  const first = acks[0] as PutObjectResponseMsg;
  return { etag: first.etag, size: first.size, timestamp };
}
