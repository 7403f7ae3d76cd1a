/**
 * ObjectService handlers: PUT (client stream: header, chunks, trailer; or, for a small body,
 * one unary PutSmallObject message), GET (server stream: head,
 * then 256 KiB chunks with backpressure), HEAD, DELETE, POST. After a write that changed the
 * replica, the object's row goes to the container replicas named in the request (see
 * listing-updates.ts) before the node answers.
 */
import type { ServerReadableStream, ServerWritableStream, UntypedServiceImplementation } from '@grpc/grpc-js';
import { StoreError } from '../common/index.js';
import type * as M from '../cluster/index.js';
import type { ByteRange } from '../cluster/index.js';
import type { GrpcEdge } from './grpc-call.js';
import { writeMessage } from './grpc-call.js';
import type { ObjectStore, ObjectKey, ObjectRecord } from './object-store.js';
import type { ListingUpdates } from './listing-updates.js';
import { widenReceiveWindow } from './session-window.js';
import { checkDevice, checkPartition, checkName, checkTimestamp, checkMetadata, checkTargets, type PartCountOf } from './request-validation.js';

/**
 * Receive window for PUT bodies: a few chunks in flight per stream instead of HTTP/2's 64 KiB,
 * which made every body wait for window updates (see session-window.ts).
 */
const PUT_WINDOW_BYTES = 4 * 1024 * 1024;

/** Largest body sent inside the GET head message (larger ones stream as chunks). */
const INLINE_BODY_MAX_BYTES = 64 * 1024;

export interface ObjectServiceDeps {
  objects: ObjectStore;
  updates: ListingUpdates;
  partCount: PartCountOf;
}

function objectKey(ref: M.ObjectRefMsg | undefined, partCount: PartCountOf): ObjectKey {
  if (!ref) throw new StoreError('INVALID_ARGUMENT', 'Cannot use request: no object reference');
  return {
    device: checkDevice(ref.device),
    partition: checkPartition(ref.partition, 'object', partCount),
    account: checkName(ref.account, 'account'),
    container: checkName(ref.container, 'container'),
    object: checkName(ref.object, 'object'),
  };
}

/** A whole body as the stream stage() reads. */
async function* bodyOf(body: Buffer): AsyncGenerator<Uint8Array> {
  if (body.length > 0) yield body;
}

function metaMsg(r: ObjectRecord): M.ObjectMetaMsg {
  return {
    size: r.size, etag: r.etag, checksum: r.checksum, contentType: r.contentType, timestamp: r.timestamp,
    metaTimestamp: r.metaTimestamp, deleteAtMs: r.deleteAtMs, metadata: r.metadata,
  };
}

function rangeOf(req: M.GetObjectRequestMsg): ByteRange | undefined {
  if (!req.ranged) return undefined;
  if (req.suffixLength > 0) return { suffix: req.suffixLength };
  return req.rangeEnd >= 0 ? { start: req.rangeStart, end: req.rangeEnd } : { start: req.rangeStart };
}

export function objectServiceHandlers(edge: GrpcEdge, deps: ObjectServiceDeps): UntypedServiceImplementation {
  const { objects, updates, partCount } = deps;

  /**
   * Stores one replica: stages `body`, commits it with the trailer `trailerOf()` gives once the
   * body has been read, then tells the container replicas named in the header.
   */
  const store = async (header: M.PutObjectHeaderMsg, body: AsyncIterable<Uint8Array>, trailerOf: () => M.PutObjectTrailerMsg | undefined): Promise<M.PutObjectResponseMsg> => {
    const key = objectKey(header.ref, partCount);
    const targets = checkTargets(header.containerUpdates);
    const staged = await objects.stage(key, {
      contentType: header.contentType ?? '', metadata: checkMetadata(header.metadata), deleteAtMs: Math.max(0, header.deleteAtMs ?? 0),
      contentLength: header.contentLength ?? -1, ifNoneMatchAny: Boolean(header.ifNoneMatchAny),
    }, body);
    const trailer = trailerOf();
    if (!trailer) {
      await staged.discard();
      throw new StoreError('INVALID_ARGUMENT', 'Cannot write object: the stream ended without a trailer');
    }
    const out = await staged.commit({ timestamp: trailer.timestamp, expectedEtag: trailer.expectedEtag });
    if (out.applied && targets.length > 0) {
      await updates.deliverRows(key.device, targets, key.account, key.container, [{
        name: key.object, size: out.size, etag: out.etag, contentType: header.contentType ?? '', timestamp: trailer.timestamp, deleted: false,
      }]);
    }
    return { etag: out.etag, size: out.size, checksum: out.checksum };
  };

  const putObject = async (call: ServerReadableStream<M.PutObjectRequestMsg, M.PutObjectResponseMsg>): Promise<M.PutObjectResponseMsg> => {
    widenReceiveWindow(call, PUT_WINDOW_BYTES);
    const it = call[Symbol.asyncIterator]() as AsyncIterator<M.PutObjectRequestMsg>;
    const first = await it.next();
    if (first.done || first.value.part !== 'header') throw new StoreError('INVALID_ARGUMENT', 'Cannot write object: the stream must start with a header');
    let trailer: M.PutObjectTrailerMsg | undefined;
    async function* body(): AsyncGenerator<Uint8Array> {
      for (let next = await it.next(); !next.done; next = await it.next()) {
        const msg = next.value;
        if (msg.part === 'chunk') yield msg.chunk;
        else if (msg.part === 'trailer') { trailer = msg.trailer; return; }
        else throw new StoreError('INVALID_ARGUMENT', 'Cannot write object: a second header in the stream');
      }
    }
    return store(first.value.header, body(), () => trailer);
  };

  const putSmallObject = async (req: M.PutSmallObjectRequestMsg): Promise<M.PutObjectResponseMsg> => {
    if (!req.header) throw new StoreError('INVALID_ARGUMENT', 'Cannot write object: no header');
    const body = req.body ?? Buffer.alloc(0);
    return store(req.header, bodyOf(body), () => req.trailer ?? undefined);
  };

  const getObject = async (call: ServerWritableStream<M.GetObjectRequestMsg, M.GetObjectResponseMsg>): Promise<void> => {
    const req = call.request;
    const result = await objects.get(objectKey(req.ref, partCount), rangeOf(req));
    const onCancel = () => result.body.destroy();
    call.once('cancelled', onCancel);
    try {
      const head: M.GetObjectHeadMsg = { meta: metaMsg(result.record), ranged: Boolean(result.range), rangeStart: result.range?.start ?? 0, rangeEnd: result.range?.end ?? -1 };
      // A small object read whole already goes in the head message: one message, not two.
      if (req.acceptInline && result.bytes && result.bytes.length <= INLINE_BODY_MAX_BYTES) {
        await writeMessage(call, { part: 'head', head: { ...head, inline: true, body: result.bytes } });
        return;
      }
      await writeMessage(call, { part: 'head', head });
      for await (const chunk of result.body) await writeMessage(call, { part: 'chunk', chunk: chunk as Buffer });
    } finally {
      call.off('cancelled', onCancel);
      result.body.destroy();
    }
  };

  return {
    PutObject: edge.clientStream('PutObject', putObject),
    PutSmallObject: edge.unary('PutSmallObject', putSmallObject),
    GetObject: edge.serverStream('GetObject', getObject),
    HeadObject: edge.unary('HeadObject', async (ref: M.ObjectRefMsg): Promise<M.HeadObjectResponseMsg> => {
      const record = await objects.head(objectKey(ref, partCount));
      return { meta: metaMsg(record), dataPath: record.dataPath ?? '' };
    }),
    DeleteObject: edge.unary('DeleteObject', async (req: M.DeleteObjectRequestMsg): Promise<M.DeleteObjectResponseMsg> => {
      const key = objectKey(req.ref, partCount);
      const timestamp = checkTimestamp(req.timestamp);
      const targets = checkTargets(req.containerUpdates);
      const out = await objects.delete(key, timestamp);
      if (out.applied && targets.length > 0) {
        await updates.deliverRows(key.device, targets, key.account, key.container, [{ name: key.object, size: 0, etag: '', contentType: '', timestamp, deleted: true }]);
      }
      return { existed: out.existed };
    }),
    PostObject: edge.unary('PostObject', async (req: M.PostObjectRequestMsg): Promise<Record<string, never>> => {
      const key = objectKey(req.ref, partCount);
      const timestamp = checkTimestamp(req.timestamp);
      const targets = checkTargets(req.containerUpdates);
      const out = await objects.post(key, timestamp, { metadata: checkMetadata(req.metadata), contentType: req.contentType ?? '', deleteAtMs: req.deleteAtMs ?? -1 });
      // Only a content-type change shows in listings; the row carries the POST's timestamp so it wins.
      if (out.applied && req.contentType && targets.length > 0) {
        const r = out.record;
        await updates.deliverRows(key.device, targets, key.account, key.container, [{ name: key.object, size: r.size, etag: r.etag, contentType: r.contentType, timestamp, deleted: false }]);
      }
      return {};
    }),
  };
}
