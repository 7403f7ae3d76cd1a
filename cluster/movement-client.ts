/**
 * MovementClient: the typed client of one storage node's MovementService: ring distribution
 * (push a ring file, fetch the node's ring), data-movement progress (per-device fill and what
 * is still to move), the movement rate limit and pause, and per-partition usage for rebalance
 * previews. Used by operator tools and by proxies and gateways that fetch new rings.
 */
import { Client, credentials } from '@grpc/grpc-js';
import { ClientPool } from './client-pool.js';
import { unaryCall, type AnyMethod } from './grpc-unary.js';
import { channelOptions, type NodeCallOptions, type NodeClientConfig } from './node-client-config.js';
import { movementServiceDefinition } from './storage-proto.js';
import type * as M from './storage-messages.js';

const MOV = movementServiceDefinition as Record<string, AnyMethod>;

export class MovementClient {
  private readonly client: Client;

  constructor(readonly ip: string, readonly port: number, private readonly config: NodeClientConfig) {
    this.client = new Client(`${ip}:${port}`, credentials.createInsecure(), channelOptions(config));
  }

  get address(): string {
    return `${this.ip}:${this.port}`;
  }

  /**
   * Gives the node a new ring file; it checks it, stores it atomically and uses it at once.
   * @throws INVALID_ARGUMENT (unknown name), CORRUPT (bad file), CONFLICT (other hash secret or
   * part power), STALE (older than the ring in use, without force)
   */
  pushRing(req: M.PushRingRequestMsg, opts?: NodeCallOptions): Promise<M.PushRingResponseMsg> {
    return this.call(MOV.PushRing!, req, `Cannot push ring "${req.name}"`, opts);
  }

  /** The ring file the node uses. @throws NOT_FOUND (the node has no such ring) */
  getRing(name: M.RingName, opts?: NodeCallOptions): Promise<M.GetRingResponseMsg> {
    return this.call(MOV.GetRing!, { name }, `Cannot get ring "${name}"`, opts);
  }

  /** Ring versions, per-device fill and what is still to move off the node. */
  movementStatus(opts?: NodeCallOptions): Promise<M.MovementStatusResponseMsg> {
    return this.call(MOV.MovementStatus!, {}, 'Cannot get movement status', opts);
  }

  /** Sets the node's movement rate limit and pause; answers the control now in force. */
  setMovement(control: M.MovementControlMsg, opts?: NodeCallOptions): Promise<M.MovementControlMsg> {
    return this.call(MOV.SetMovement!, control, 'Cannot set movement control', opts);
  }

  /** Bytes and files of every object partition held (one device, or all with ''). @throws NOT_MOUNTED */
  async partitionUsage(device = '', opts?: NodeCallOptions): Promise<M.PartitionBytesMsg[]> {
    const res = await this.call<M.PartitionUsageResponseMsg>(MOV.PartitionUsage!, { device }, 'Cannot get partition usage', { timeoutMs: 120_000, ...opts });
    return res.partitions;
  }

  close(): void {
    this.client.close();
  }

  private call<Res>(def: AnyMethod, req: unknown, action: string, opts?: NodeCallOptions): Promise<Res> {
    return unaryCall<Res>(this.client, this.config, def, req, `${action} on storage node ${this.address}`, opts);
  }
}

/** One MovementClient per node address, reused for the life of the process. */
export class MovementClientPool extends ClientPool<MovementClient> {
  constructor(config: NodeClientConfig) {
    super(config, (ip, port, c) => new MovementClient(ip, port, c));
  }
}
