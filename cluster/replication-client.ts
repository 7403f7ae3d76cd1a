/**
 * ReplicationClient: the typed client of one storage node's ReplicationService (suffix hashes,
 * suffix listings, file pushes, worker triggers and durability status). Used by the replicator
 * of other nodes and by operator tools. Same credential, deadlines and error mapping as
 * NodeClient; kept apart so the proxy's client stays free of replication concerns.
 */
import { Client, credentials, connectivityState, type MethodDefinition } from '@grpc/grpc-js';
import { StoreError } from '../common/index.js';
import { fromServiceError } from './grpc-status.js';
import { ClientPool } from './client-pool.js';
import { unaryCall } from './grpc-unary.js';
import { callMetadata, channelOptions, type NodeCallOptions, type NodeClientConfig } from './node-client-config.js';
import { replicationServiceDefinition } from './storage-proto.js';
import type * as M from './storage-messages.js';

type AnyMethod = MethodDefinition<unknown, unknown>;
const REP = replicationServiceDefinition as Record<string, AnyMethod>;

/** Chunk size of a pushed file (one gRPC message each). */
export const PUSH_CHUNK_BYTES = 64 * 1024;

export class ReplicationClient {
  private readonly client: Client;

  constructor(readonly ip: string, readonly port: number, private readonly config: NodeClientConfig) {
    this.client = new Client(`${ip}:${port}`, credentials.createInsecure(), channelOptions(config));
  }

  get address(): string {
    return `${this.ip}:${this.port}`;
  }

  /**
   * Waits until the channel is connected, for at most `timeoutMs`, riding out the reconnect
   * backoff left by an earlier failure (a node that just restarted). Resolves false when the
   * node stays unreachable, so a worker can skip it for the rest of its pass.
   */
  waitReady(timeoutMs = this.config.connectTimeoutMs): Promise<boolean> {
    const channel = this.client.getChannel();
    const deadline = Date.now() + timeoutMs;
    return new Promise((resolve) => {
      const check = (): void => {
        const state = channel.getConnectivityState(true);
        if (state === connectivityState.READY) return resolve(true);
        if (state === connectivityState.SHUTDOWN || Date.now() >= deadline) return resolve(false);
        channel.watchConnectivityState(state, deadline, (err) => (err ? resolve(false) : check()));
      };
      check();
    });
  }

  /** @throws NOT_MOUNTED, INVALID_ARGUMENT, UNAVAILABLE, TIMEOUT */
  async getSuffixHashes(req: M.SuffixHashesRequestMsg, opts?: NodeCallOptions): Promise<Map<string, string>> {
    const res = await this.unary<M.SuffixHashesResponseMsg>(REP.GetSuffixHashes!, req, `Cannot get suffix hashes of partition ${req.partition}`, opts);
    return new Map(Object.entries(res.hashes));
  }

  /** Object folders of one suffix: hash → file names. @throws NOT_MOUNTED, UNAVAILABLE, TIMEOUT */
  async listSuffix(req: M.ListSuffixRequestMsg, opts?: NodeCallOptions): Promise<Map<string, string[]>> {
    const res = await this.unary<M.ListSuffixResponseMsg>(REP.ListSuffix!, req, `Cannot list suffix "${req.suffix}" of partition ${req.partition}`, opts);
    return new Map(res.objects.map((o) => [o.hash, o.files]));
  }

  /**
   * Pushes one file: header, then `body` in chunks, honouring the channel's backpressure.
   * @throws NOT_MOUNTED, NO_SPACE, INVALID_ARGUMENT, UNAVAILABLE, TIMEOUT
   */
  pushFile(header: M.PushFileHeaderMsg, body: AsyncIterable<Uint8Array>, opts?: NodeCallOptions): Promise<M.PushFileResponseMsg> {
    const def = REP.PushFile!;
    const context = `Cannot push "${header.hash}/${header.fileName}" to ${this.address}/${header.device}`;
    return new Promise<M.PushFileResponseMsg>((resolve, reject) => {
      let settled = false;
      const finish = (err: unknown, res?: M.PushFileResponseMsg): void => {
        if (settled) return;
        settled = true;
        // A pass pushes thousands of files under one signal: never leave a listener behind.
        opts?.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err instanceof StoreError ? err : fromServiceError(err, context));
        else resolve(res!);
      };
      // Large files get longer: at least 1 KiB per ms (about 1 MB/s) on top of the chunk timeout.
      const deadline = Date.now() + (opts?.timeoutMs ?? this.config.chunkTimeoutMs + Math.ceil(header.size / 1024));
      const call = this.client.makeClientStreamRequest(
        def.path, def.requestSerialize, def.responseDeserialize, callMetadata(this.config, opts), { deadline },
        (err, res) => finish(err, res as M.PushFileResponseMsg),
      );
      const onAbort = (): void => { call.cancel(); finish(new StoreError('UNAVAILABLE', `${context}: aborted`)); };
      opts?.signal?.addEventListener('abort', onAbort, { once: true });
      const write = (msg: M.PushFileRequestMsg): Promise<void> => new Promise((res) => {
        if (call.write(msg)) res();
        else call.once('drain', () => res());
      });
      (async () => {
        await write({ part: 'header', header });
        for await (const chunk of body) {
          if (settled) return;
          await write({ part: 'chunk', chunk: Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) });
        }
        call.end();
      })().catch((err: unknown) => {
        call.cancel();
        finish(err instanceof StoreError ? err : new StoreError('INTERNAL', `${context}: ${(err as Error).message}`, { cause: err }));
      });
    });
  }

  /** Digest per container (or account) of a listing partition. @throws NOT_MOUNTED, UNAVAILABLE, TIMEOUT */
  async listingDigests(req: M.ListingDigestsRequestMsg, opts?: NodeCallOptions): Promise<Map<string, string>> {
    const res = await this.unary<M.ListingDigestsResponseMsg>(REP.ListingDigests!, req, `Cannot get ${req.kind} digests of partition ${req.partition}`, opts);
    return new Map(Object.entries(res.digests));
  }

  /** Merges a container's (or account's) record and rows, newest wins. @throws NOT_MOUNTED, INVALID_ARGUMENT */
  async mergeListing(req: M.MergeListingRequestMsg, opts?: NodeCallOptions): Promise<void> {
    await this.unary(REP.MergeListing!, req, `Cannot merge ${req.kind} "${req.account}/${req.container}"`, opts);
  }

  /** Runs one pass of a worker on the node now. @throws INVALID_ARGUMENT (unknown worker) */
  async runWorker(worker: string, opts?: NodeCallOptions): Promise<string> {
    const res = await this.unary<M.RunWorkerResponseMsg>(REP.RunWorker!, { worker }, `Cannot run worker "${worker}"`, { timeoutMs: 120_000, ...opts });
    return res.result;
  }

  durabilityStatus(opts?: NodeCallOptions): Promise<M.DurabilityStatusResponseMsg> {
    return this.unary<M.DurabilityStatusResponseMsg>(REP.DurabilityStatus!, {}, 'Cannot get durability status', opts);
  }

  close(): void {
    this.client.close();
  }

  private unary<Res>(def: AnyMethod, req: unknown, action: string, opts?: NodeCallOptions): Promise<Res> {
    return unaryCall<Res>(this.client, this.config, def, req, `${action} on storage node ${this.address}`, opts);
  }
}

/** One ReplicationClient per node address, reused for the life of the process. */
export class ReplicationClientPool extends ClientPool<ReplicationClient> {
  constructor(config: NodeClientConfig) {
    super(config, (ip, port, c) => new ReplicationClient(ip, port, c));
  }
}
