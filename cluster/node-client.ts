/**
 * NodeClient: the typed client of one storage node (ip:port), for every service of
 * proto/storage.proto. One HTTP/2 channel per node, reused by all calls (NodeClientPool hands out
 * one client per address); every call carries the peer secret and a request id, has a deadline,
 * and fails with a StoreError mapped from the node's code. Free of proxy concerns: storage nodes
 * use it too (listing updates, replication).
 */
import { Client, credentials, connectivityState, type MethodDefinition, type ServiceError } from '@grpc/grpc-js';
import { StoreError } from '../common/index.js';
import { unaryCall } from './grpc-unary.js';
import { callMetadata, channelOptions, type NodeCallOptions, type NodeClientConfig } from './node-client-config.js';
import { PutObjectStream, passEncoded } from './put-object-stream.js';
import { readObjectStream } from './get-object-body.js';
import {
  objectServiceDefinition, containerServiceDefinition, accountServiceDefinition, nodeServiceDefinition,
} from './storage-proto.js';
import type * as M from './storage-messages.js';
import type { Readable } from 'node:stream';

// Method definitions are typed loosely by grpc-js; our message shapes come from storage-messages.ts.
type AnyMethod = MethodDefinition<unknown, unknown>;
const OBJ = objectServiceDefinition as Record<string, AnyMethod>;
const CONT = containerServiceDefinition as Record<string, AnyMethod>;
const ACC = accountServiceDefinition as Record<string, AnyMethod>;
const NODE = nodeServiceDefinition as Record<string, AnyMethod>;

export class NodeClient {
  private readonly client: Client;

  constructor(readonly ip: string, readonly port: number, private readonly config: NodeClientConfig) {
    this.client = new Client(`${ip}:${port}`, credentials.createInsecure(), channelOptions(config));
  }

  /** "ip:port", for messages and error limiting. */
  get address(): string {
    return `${this.ip}:${this.port}`;
  }

  /** True while the channel has a live connection (a dead node is noticed within a few ms). */
  isConnected(): boolean {
    return this.client.getChannel().getConnectivityState(false) === connectivityState.READY;
  }

  /**
   * Resolves once the channel is connected, within the connect timeout. A failed connection
   * attempt rejects at once rather than waiting out the reconnect backoff, so a write moves to a
   * handoff without delay when a node is down.
   * @throws UNAVAILABLE when the node cannot be reached (in time)
   */
  waitConnected(timeoutMs = this.config.connectTimeoutMs): Promise<void> {
    const channel = this.client.getChannel();
    const deadline = Date.now() + timeoutMs;
    return new Promise((resolve, reject) => {
      const fail = (why: string, cause?: unknown): void =>
        reject(new StoreError('UNAVAILABLE', `Cannot connect to storage node ${this.address}: ${why}`, { cause }));
      const check = (): void => {
        const state = channel.getConnectivityState(true);
        if (state === connectivityState.READY) return resolve();
        if (state === connectivityState.TRANSIENT_FAILURE) return fail('connection failed');
        if (state === connectivityState.SHUTDOWN) return fail('client closed');
        channel.watchConnectivityState(state, deadline, (err) => (err ? fail(`no connection within ${timeoutMs} ms`, err) : check()));
      };
      check();
    });
  }

  // ---- objects ----

  /**
   * Opens a PutObject stream and sends the header; the caller writes chunks and finishes with the
   * trailer. Connects first, so a node that is down fails here (UNAVAILABLE) before any body byte.
   * @throws UNAVAILABLE
   */
  async putObject(header: M.PutObjectHeaderMsg, opts?: NodeCallOptions): Promise<PutObjectStream> {
    await this.waitConnected();
    const def = OBJ.PutObject;
    const context = `Cannot PUT object "${refPath(header.ref)}" on ${this.address}/${header.ref.device}`;
    // The reply callback may fire before the wrapper exists (a node refusing at once).
    const slot: { stream?: PutObjectStream; early?: { err: ServiceError | null; res: unknown } } = {};
    const call = this.client.makeClientStreamRequest(
      def.path, passEncoded(def.requestSerialize), def.responseDeserialize, callMetadata(this.config, opts), {},
      (err, res) => {
        if (slot.stream) slot.stream.onReply(err, res as M.PutObjectResponseMsg);
        else slot.early = { err, res };
      },
    );
    const stream = new PutObjectStream(call, context, this.config.chunkTimeoutMs, opts?.timeoutMs ?? this.config.nodeTimeoutMs);
    slot.stream = stream;
    if (slot.early) stream.onReply(slot.early.err, slot.early.res as M.PutObjectResponseMsg);
    opts?.signal?.addEventListener('abort', () => stream.abort(new StoreError('UNAVAILABLE', `${context}: aborted`)), { once: true });
    call.write({ part: 'header', header } satisfies M.PutObjectRequestMsg);
    return stream;
  }

  /**
   * Starts a GetObject and waits for its head; the body streams with backpressure.
   * @throws NOT_FOUND, RANGE_NOT_SATISFIABLE, NOT_MOUNTED, TIMEOUT, UNAVAILABLE
   */
  getObject(req: M.GetObjectRequestMsg, opts?: NodeCallOptions): Promise<{ head: M.GetObjectHeadMsg; body: Readable }> {
    const def = OBJ.GetObject;
    const call = this.client.makeServerStreamRequest(
      def.path, def.requestSerialize, def.responseDeserialize, req, callMetadata(this.config, opts), {},
    );
    opts?.signal?.addEventListener('abort', () => call.cancel(), { once: true });
    const context = `Cannot GET object "${refPath(req.ref)}" from ${this.address}/${req.ref.device}`;
    return readObjectStream(
      call as unknown as Parameters<typeof readObjectStream>[0], context,
      opts?.timeoutMs ?? this.config.nodeTimeoutMs, this.config.chunkTimeoutMs,
    );
  }

  /**
   * Writes a whole small object in one call (callers that may move to a handoff when the node is
   * down call waitConnected() first).
   * @throws UNAVAILABLE, CHECKSUM_MISMATCH, PRECONDITION_FAILED, INVALID_ARGUMENT, NOT_MOUNTED, NO_SPACE, TIMEOUT
   */
  putSmallObject(req: M.PutSmallObjectRequestMsg, opts?: NodeCallOptions): Promise<M.PutObjectResponseMsg> {
    return this.unary(OBJ.PutSmallObject, req, `Cannot PUT object "${refPath(req.header.ref)}" on device ${req.header.ref.device}`, opts);
  }

  /** @throws NOT_FOUND (also for a tombstone or an expired object), NOT_MOUNTED, TIMEOUT, UNAVAILABLE */
  headObject(ref: M.ObjectRefMsg, opts?: NodeCallOptions): Promise<M.HeadObjectResponseMsg> {
    return this.unary(OBJ.HeadObject, ref, `Cannot HEAD object "${refPath(ref)}"`, opts);
  }

  deleteObject(req: M.DeleteObjectRequestMsg, opts?: NodeCallOptions): Promise<M.DeleteObjectResponseMsg> {
    return this.unary(OBJ.DeleteObject, req, `Cannot DELETE object "${refPath(req.ref)}"`, opts);
  }

  /** @throws NOT_FOUND */
  async postObject(req: M.PostObjectRequestMsg, opts?: NodeCallOptions): Promise<void> {
    await this.unary(OBJ.PostObject, req, `Cannot POST object "${refPath(req.ref)}"`, opts);
  }

  // ---- containers ----

  putContainer(req: M.PutContainerRequestMsg, opts?: NodeCallOptions): Promise<M.PutContainerResponseMsg> {
    return this.unary(CONT.PutContainer, req, `Cannot PUT container "${req.ref.account}/${req.ref.container}"`, opts);
  }

  /** @throws NOT_FOUND */
  headContainer(ref: M.ContainerRefMsg, opts?: NodeCallOptions): Promise<M.ContainerInfoMsg> {
    return this.unary(CONT.HeadContainer, ref, `Cannot HEAD container "${ref.account}/${ref.container}"`, opts);
  }

  /** @throws NOT_FOUND */
  async postContainer(req: M.PostContainerRequestMsg, opts?: NodeCallOptions): Promise<void> {
    await this.unary(CONT.PostContainer, req, `Cannot POST container "${req.ref.account}/${req.ref.container}"`, opts);
  }

  /** @throws NOT_FOUND, CONFLICT (not empty) */
  async deleteContainer(req: M.DeleteContainerRequestMsg, opts?: NodeCallOptions): Promise<void> {
    await this.unary(CONT.DeleteContainer, req, `Cannot DELETE container "${req.ref.account}/${req.ref.container}"`, opts);
  }

  /** @throws NOT_FOUND */
  listContainer(req: M.ListRequestMsg, opts?: NodeCallOptions): Promise<M.ListContainerResponseMsg> {
    return this.unary(CONT.ListContainer, req, `Cannot list container "${req.account}/${req.container}"`, opts);
  }

  async updateContainer(req: M.UpdateContainerRequestMsg, opts?: NodeCallOptions): Promise<void> {
    await this.unary(CONT.UpdateContainer, req, `Cannot update container "${req.ref.account}/${req.ref.container}"`, opts);
  }

  // ---- accounts ----

  headAccount(ref: M.AccountRefMsg, opts?: NodeCallOptions): Promise<M.AccountInfoMsg> {
    return this.unary(ACC.HeadAccount, ref, `Cannot HEAD account "${ref.account}"`, opts);
  }

  async postAccount(req: M.PostAccountRequestMsg, opts?: NodeCallOptions): Promise<void> {
    await this.unary(ACC.PostAccount, req, `Cannot POST account "${req.ref.account}"`, opts);
  }

  listAccount(req: M.ListRequestMsg, opts?: NodeCallOptions): Promise<M.ListAccountResponseMsg> {
    return this.unary(ACC.ListAccount, req, `Cannot list account "${req.account}"`, opts);
  }

  async updateAccount(req: M.UpdateAccountRequestMsg, opts?: NodeCallOptions): Promise<void> {
    await this.unary(ACC.UpdateAccount, req, `Cannot update account "${req.ref.account}"`, opts);
  }

  // ---- node ----

  nodeInfo(opts?: NodeCallOptions): Promise<M.NodeInfoResponseMsg> {
    return this.unary(NODE.NodeInfo, {}, 'Cannot get node info', opts);
  }

  /** Closes the channel; later calls fail with UNAVAILABLE. */
  close(): void {
    this.client.close();
  }

  private unary<Req, Res>(def: AnyMethod, req: Req, action: string, opts?: NodeCallOptions): Promise<Res> {
    return unaryCall<Res>(this.client, this.config, def, req, `${action} on storage node ${this.address}`, opts);
  }
}

function refPath(ref: { account: string; container: string; object: string }): string {
  return `${ref.account}/${ref.container}/${ref.object}`;
}
