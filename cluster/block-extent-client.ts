/**
 * ExtentClient: promise-based calls to the extent service of any storage node, one gRPC channel
 * per node reused for the life of the process. Failures come back as StoreErrors rebuilt from the
 * node's code (cluster/grpc-status.ts); an unreachable node is UNAVAILABLE.
 */
import { Metadata, type Client, type ServiceError } from '@grpc/grpc-js';
import { credentials } from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { ExtentServiceClient } from './block-proto.js';
import type {
  ExtentState, ExtentWriteRequest, ExtentReadRequest, ExtentReadResponse,   SetGenerationRequest, ReplaceRequest, FlushRequest, LayerRequest, ListLayerResponse, PrepareRequest,
  DeleteExtentsRequest, DeleteExtentsResponse, IoResponseMessage,
  PrepareResponse, AcceptRequest, AcceptResponse,
} from './block-proto.js';
import type { BlockReplica } from './block-placement.js';
import { fromServiceError } from './grpc-status.js';
import { ExtentIoStream } from './block-extent-stream.js';
import { PEER_METADATA_KEY, REQUEST_ID_METADATA_KEY } from './storage-proto.js';

export interface ExtentClientOptions {
  peerSecret: string;
  /** Deadline of one call (ms). */
  timeoutMs?: number;
}

type Callback<Res> = (err: ServiceError | null, res?: Res) => void;
type UnaryMethod = (req: unknown, md: Metadata, opts: { deadline: number }, cb: Callback<unknown>) => void;

function stateOf(res: IoResponseMessage): ExtentState {
  return res.state ?? { exists: false, generation: 0, zeroed: false };
}

/** Calls to the extent service of the nodes of a cluster. */
export class ExtentClient {
  private readonly channels = new Map<string, Client>();
  private readonly streams = new Map<string, ExtentIoStream>();
  private byReplica = new WeakMap<BlockReplica, ExtentIoStream>();
  private readonly timeoutMs: number;

  constructor(private readonly opts: ExtentClientOptions) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  private channel(r: BlockReplica): Client {
    const key = `${r.ip}:${r.port}`;
    let c = this.channels.get(key);
    if (!c) {
      c = new ExtentServiceClient(key, credentials.createInsecure(), {
        'grpc.initial_reconnect_backoff_ms': 200,
        'grpc.min_reconnect_backoff_ms': 200,
        'grpc.max_reconnect_backoff_ms': 1_000,
        'grpc.max_receive_message_length': 8 * 1024 * 1024,
        'grpc.max_send_message_length': 8 * 1024 * 1024,
        'grpc.keepalive_time_ms': 10_000,
        'grpc.keepalive_timeout_ms': 5_000,
        // Extent calls are never retried by grpc-js (the volume layer decides), so skip its
        // retry machinery, which otherwise keeps a copy of every message sent on the Io stream.
        'grpc.enable_retries': 0,
        // A window of several extents, so a 1 MiB read is not cut into 64 KiB round trips.
        'grpc-node.flow_control_window': 8 * 1024 * 1024,
      });
      this.channels.set(key, c);
    }
    return c;
  }

  /** The long-lived Io stream to a node (reads and writes, the hot path). */
  private stream(r: BlockReplica): ExtentIoStream {
    // Placement hands out the same replica objects again and again: remember their stream
    // instead of building the "ip:port" key on every request.
    let s = this.byReplica.get(r);
    if (s) return s;
    const key = `${r.ip}:${r.port}`;
    s = this.streams.get(key);
    if (!s) {
      s = new ExtentIoStream(this.channel(r), this.opts.peerSecret, key);
      this.streams.set(key, s);
    }
    this.byReplica.set(r, s);
    return s;
  }

  private call<Res>(r: BlockReplica, method: string, req: unknown, timeoutMs?: number): Promise<Res> {
    const client = this.channel(r) as unknown as Record<string, UnaryMethod>;
    const md = new Metadata();
    md.set(PEER_METADATA_KEY, this.opts.peerSecret);
    md.set(REQUEST_ID_METADATA_KEY, randomUUID());
    return new Promise((resolve, reject) => {
      client[method].call(client, req, md, { deadline: Date.now() + (timeoutMs ?? this.timeoutMs) }, (err, res) => {
        if (err) reject(fromServiceError(err, `Cannot ${method} on ${r.ip}:${r.port}/${r.device}`));
        else resolve(res as Res);
      });
    });
  }

  write(r: BlockReplica, req: Omit<ExtentWriteRequest, 'ref'> & { layer: string; index: number }): Promise<ExtentState> {
    const write: ExtentWriteRequest = {
      ref: { device: r.device, layer: req.layer, index: req.index }, generation: req.generation, offset: req.offset, data: req.data,
      zeroLength: req.zeroLength, fua: req.fua, extentSize: req.extentSize,
    };
    return this.stream(r).send({ write }, 'write', r.device, this.timeoutMs).then(stateOf);
  }

  read(r: BlockReplica, req: Omit<ExtentReadRequest, 'ref'> & { layer: string; index: number }): Promise<ExtentReadResponse> {
    const read: ExtentReadRequest = { ref: { device: r.device, layer: req.layer, index: req.index }, offset: req.offset, length: req.length };
    return this.stream(r).send({ read }, 'read', r.device, this.timeoutMs).then((res) => ({ state: stateOf(res), data: res.data }));
  }

  /** One extent's state, asked on the Io stream (it is on the path of every first write). */
  stat(r: BlockReplica, layer: string, index: number, timeoutMs?: number): Promise<ExtentState> {
    return this.stream(r).send({ stat: { device: r.device, layer, index } }, 'stat', r.device, timeoutMs ?? this.timeoutMs).then(stateOf);
  }

  setGeneration(r: BlockReplica, layer: string, index: number, expected: number, generation: number): Promise<ExtentState> {
    return this.call(r, 'setGeneration', { ref: { device: r.device, layer, index }, expected, generation } satisfies SetGenerationRequest);
  }

  replace(r: BlockReplica, layer: string, index: number, generation: number, data: Buffer | undefined): Promise<ExtentState> {
    const req: ReplaceRequest = { ref: { device: r.device, layer, index }, generation, data: data ?? Buffer.alloc(0), zeroed: !data };
    return this.call(r, 'replace', req, this.timeoutMs * 3);
  }

  async flush(r: BlockReplica, refs: Array<{ layer: string; index: number }>): Promise<void> {
    const flush: FlushRequest = { refs: refs.map((x) => ({ device: r.device, layer: x.layer, index: x.index })) };
    await this.stream(r).send({ flush }, 'flush', r.device, this.timeoutMs * 3);
  }

  listLayer(r: BlockReplica, layer: string): Promise<ListLayerResponse> {
    return this.call(r, 'listLayer', { device: r.device, layer } satisfies LayerRequest);
  }

  async deleteLayer(r: BlockReplica, layer: string): Promise<void> {
    await this.call(r, 'deleteLayer', { device: r.device, layer } satisfies LayerRequest, this.timeoutMs * 6);
  }

  /** Removes single extents of a layer on one device; returns how many existed. */
  async deleteExtents(r: BlockReplica, layer: string, indexes: number[]): Promise<number> {
    const res = await this.call<DeleteExtentsResponse>(r, 'deleteExtents', { device: r.device, layer, indexes } satisfies DeleteExtentsRequest, this.timeoutMs * 6);
    return res.deleted;
  }

  prepare(r: BlockReplica, req: Omit<PrepareRequest, 'device'>): Promise<PrepareResponse> {
    return this.call(r, 'prepare', { ...req, device: r.device });
  }

  accept(r: BlockReplica, req: Omit<AcceptRequest, 'device'>): Promise<AcceptResponse> {
    return this.call(r, 'accept', { ...req, device: r.device });
  }

  /** Closes every channel. */
  close(): void {
    for (const s of this.streams.values()) s.close();
    this.streams.clear();
    this.byReplica = new WeakMap();
    for (const c of this.channels.values()) c.close();
    this.channels.clear();
  }
}
