/**
 * PUT fan-out: one source body streamed to every replica at once. The source is read only as fast
 * as the slowest live replica accepts (all gRPC streams drained before the next chunk), so memory
 * stays at about one chunk per replica whatever the object size. A target that cannot be reached
 * is replaced by the next spare handoff before any body byte is sent; a replica that fails while
 * the body streams is dropped, and the upload carries on while a quorum is still live. The
 * timestamp is assigned only once the whole body has reached every live replica, so that of two
 * concurrent uploads the one that completes last wins.
 */
import type { Readable } from 'node:stream';
import { StoreError, type Logger, type Timestamp } from '../common/index.js';
import type { ErrorLimiter } from './error-limiter.js';
import type { NodeClientPool } from './node-client-pool.js';
import { encodeChunk, type EncodedChunk, type PutObjectStream } from './put-object-stream.js';
import { deviceKey, type PlacedNode, type RingDevice } from './placement.js';
import { asStoreError, outcomeOf } from './replica-calls.js';
import { quorumSize, reduceOutcomes, type NodeOutcome } from './quorum.js';
import type { PutObjectHeaderMsg, PutObjectResponseMsg } from './storage-messages.js';

export interface PutFanoutRequest {
  /** One node per replica slot. */
  targets: PlacedNode[];
  /** Handoffs that may replace a target failing at connect time, in order. */
  spares: RingDevice[];
  replicaCount: number;
  /** The header for a node standing in replica slot `slot`. */
  headerFor(node: PlacedNode): PutObjectHeaderMsg;
  body: Readable;
  chunkSize: number;
  contentLength?: number;
  expectedEtag?: string;
  nextTimestamp(): Timestamp;
  signal?: AbortSignal;
  requestId?: string;
  /** Prefix of error messages, e.g. `Cannot PUT object "a/c/o"`. */
  action: string;
}

export interface PutFanoutDeps {
  pool: NodeClientPool;
  limiter: ErrorLimiter;
  log: Logger;
}

interface LiveReplica {
  node: PlacedNode;
  stream: PutObjectStream;
}

/**
 * Runs one replicated PUT.
 * @returns the etag and size acknowledged by a quorum, and the timestamp assigned
 * @throws QUORUM_NOT_MET, CHECKSUM_MISMATCH, PRECONDITION_FAILED, INVALID_ARGUMENT (length)
 */
export async function putFanout(req: PutFanoutRequest, deps: PutFanoutDeps): Promise<{ etag: string; size: number; timestamp: Timestamp }> {
  const need = quorumSize(req.replicaCount);
  const spares = [...req.spares];
  const failures: Array<NodeOutcome<never>> = [];

  const open = async (first: PlacedNode): Promise<LiveReplica | undefined> => {
    let node: PlacedNode | undefined = first;
    while (node) {
      const key = deviceKey(node.device);
      try {
        const stream = await deps.pool.get(node.device.ip, node.device.port).putObject(req.headerFor(node), { requestId: req.requestId, signal: req.signal });
        return { node, stream };
      } catch (err) {
        const error = asStoreError(err);
        deps.limiter.recordError(key, error.code);
        failures.push({ ok: false, node: key, error });
        node = nextSpare(first.slot);
      }
    }
    return undefined;
  };
  const nextSpare = (slot: number): PlacedNode | undefined => {
    const next = spares.shift();
    return next ? { device: next, slot, handoff: true } : undefined;
  };

  let live = (await Promise.all(req.targets.map(open))).filter((r): r is LiveReplica => r !== undefined);
  const abortAll = (reason: StoreError): never => {
    for (const r of live) r.stream.abort(reason);
    throw reason;
  };
  /**
   * A node that died with its connection still pooled fails just after its stream opened. No body
   * byte has been sent yet, so its slot can still move to a spare handoff.
   */
  async function replaceEarlyFailures(): Promise<void> {
    for (let round = 0; round < 3; round++) {
      await new Promise((resolve) => setImmediate(resolve));
      const failed = live.filter((r) => r.stream.error);
      if (failed.length === 0 || spares.length === 0) return;
      live = live.filter((r) => !r.stream.error);
      for (const r of failed) {
        const key = deviceKey(r.node.device);
        const error = r.stream.error as StoreError;
        deps.limiter.recordError(key, error.code);
        failures.push({ ok: false, node: key, error });
      }
      const replaced = await Promise.all(failed.map((r) => {
        const spare = nextSpare(r.node.slot);
        return spare ? open(spare) : Promise.resolve(undefined);
      }));
      for (const r of replaced) if (r) live.push(r);
    }
  }
  const prune = (): void => {
    const still: LiveReplica[] = [];
    for (const r of live) {
      if (r.stream.error) {
        deps.limiter.recordError(deviceKey(r.node.device), r.stream.error.code);
        failures.push({ ok: false, node: deviceKey(r.node.device), error: r.stream.error });
        deps.log.warn({ device: deviceKey(r.node.device), code: r.stream.error.code }, 'replica dropped from PUT');
      } else {
        still.push(r);
      }
    }
    live = still;
    if (live.length < need) {
      // A definitive answer (e.g. If-None-Match failed on the nodes) beats "not enough replicas".
      try {
        reduceOutcomes(failures, req.replicaCount, req.action);
      } catch (err) {
        abortAll(asStoreError(err));
      }
    }
  };
  await replaceEarlyFailures();
  prune();

  let sent = 0;
  const send = async (chunk: EncodedChunk, bytes: number): Promise<void> => {
    sent += bytes;
    if (req.contentLength !== undefined && sent > req.contentLength) {
      abortAll(new StoreError('INVALID_ARGUMENT', `${req.action}: the body is longer than Content-Length ${req.contentLength}`));
    }
    let full = false;
    for (const r of live) if (!r.stream.writeEncoded(chunk)) full = true;
    if (full) await Promise.all(live.map((r) => r.stream.drained()));
    prune();
  };

  // Pieces of the body are gathered up to one chunk and encoded once for all replicas: the
  // encoding is the only copy the proxy makes of the body (grpc-js frames each call's copy).
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async (): Promise<void> => {
    const chunk = encodeChunk(pending, pendingBytes);
    const bytes = pendingBytes;
    pending = [];
    pendingBytes = 0;
    await send(chunk, bytes);
  };
  try {
    for await (const piece of req.body) {
      if (req.signal?.aborted) abortAll(new StoreError('UNAVAILABLE', `${req.action}: aborted`));
      let buf = Buffer.isBuffer(piece) ? piece : Buffer.from(piece as string);
      while (buf.length > 0) {
        const take = Math.min(buf.length, req.chunkSize - pendingBytes);
        pending.push(take === buf.length ? buf : buf.subarray(0, take));
        pendingBytes += take;
        buf = buf.subarray(take);
        if (pendingBytes === req.chunkSize) await flush();
      }
    }
  } catch (err) {
    if (err instanceof StoreError) abortAll(err);
    abortAll(new StoreError('INVALID_ARGUMENT', `${req.action}: the request body failed: ${(err as Error).message}`, { cause: err }));
  }
  if (pendingBytes > 0) await flush();
  if (req.contentLength !== undefined && sent < req.contentLength) {
    abortAll(new StoreError('INVALID_ARGUMENT', `${req.action}: the body ended after ${sent} of ${req.contentLength} bytes`));
  }

  const timestamp = req.nextTimestamp();
  const trailer = { timestamp, expectedEtag: req.expectedEtag ?? '' };
  const outcomes: Array<NodeOutcome<PutObjectResponseMsg>> = await Promise.all(
    live.map((r) => outcomeOf(deps.limiter, deviceKey(r.node.device), r.stream.finish(trailer))),
  );
  const acks = reduceOutcomes([...failures, ...outcomes], req.replicaCount, req.action);
  const first = acks[0] as PutObjectResponseMsg;
  return { etag: first.etag, size: first.size, timestamp };
}
