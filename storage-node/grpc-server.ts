/**
 * The storage node's gRPC server: ObjectService, ContainerService, AccountService, NodeService
 * (cluster/proto/storage.proto) and the block ExtentService (extent-service.ts, owned by the
 * block area), all behind the same peer credential.
 */
import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { Logger } from '../common/index.js';
import {
  objectServiceDefinition, containerServiceDefinition, accountServiceDefinition, nodeServiceDefinition,
  type NodeInfoResponseMsg, type DurabilityStatusResponseMsg,
} from '../cluster/index.js';
import { GrpcEdge, type CallObserver } from './grpc-call.js';
import { objectServiceHandlers } from './grpc-object-service.js';
import { listingServiceHandlers } from './grpc-listing-services.js';
import { addExtentService } from './extent-service.js';
import type { ObjectStore } from './object-store.js';
import type { ContainerStore } from './container-store.js';
import type { AccountStore } from './account-store.js';
import type { ListingUpdates } from './listing-updates.js';
import type { Devices } from './devices.js';
import type { PartCountOf } from './request-validation.js';
import type { ClientActivity } from './client-activity.js';

export interface StorageNodeServerOptions {
  nodeId: string;
  peerSecret: string;
  devices: Devices;
  objects: ObjectStore;
  containers: ContainerStore;
  accounts: AccountStore;
  updates: ListingUpdates;
  partCount: PartCountOf;
  /** Ring name → version in use. */
  ringVersions: () => Record<string, number>;
  log: Logger;
  observe?: CallObserver;
  /** Registers more services on the server (the durability ReplicationService). */
  addServices?: (server: Server) => void;
  /** Durability counters added to NodeInfo. */
  durabilityStatus?: () => Promise<DurabilityStatusResponseMsg>;
  /** Counts calls of the client-facing services (object, listings, extents) for data movement. */
  activity?: ClientActivity;
  /** Largest gRPC message accepted (bytes); chunks are 64 KiB, listings can be larger. */
  maxMessageBytes?: number;
}

export class StorageNodeServer {
  private readonly server: Server;
  private readonly closeExtents: () => Promise<void>;
  private readonly startedMs = Date.now();

  constructor(private readonly opts: StorageNodeServerOptions) {
    const max = opts.maxMessageBytes ?? 64 * 1024 * 1024;
    // No channelz: its per-call bookkeeping cost CPU on every request and nothing reads it.
    this.server = new Server({ 'grpc.max_receive_message_length': max, 'grpc.max_send_message_length': max, 'grpc.enable_channelz': 0 });
    const edge = new GrpcEdge({ peerSecret: opts.peerSecret, log: opts.log, observe: opts.observe, ...(opts.activity ? { activity: opts.activity } : {}) });
    // NodeInfo is an operator call: it does not count as client traffic.
    const infoEdge = new GrpcEdge({ peerSecret: opts.peerSecret, log: opts.log, observe: opts.observe });
    this.server.addService(objectServiceDefinition, objectServiceHandlers(edge, opts));
    const listing = listingServiceHandlers(edge, opts);
    this.server.addService(containerServiceDefinition, listing.container);
    this.server.addService(accountServiceDefinition, listing.account);
    this.server.addService(nodeServiceDefinition, {
      NodeInfo: infoEdge.unary('NodeInfo', async (): Promise<NodeInfoResponseMsg> => ({
        nodeId: opts.nodeId, ringVersions: opts.ringVersions(), devices: await opts.devices.status(), uptimeMs: Date.now() - this.startedMs,
        ...(opts.durabilityStatus ? await opts.durabilityStatus() : {}),
      })),
    });
    opts.addServices?.(this.server);
    this.closeExtents = addExtentService(this.server, {
      devices: opts.devices.list, peerSecret: opts.peerSecret, log: opts.log, ...(opts.activity ? { activity: opts.activity } : {}),
    });
  }

  /** Binds and starts serving; returns the bound port (useful with port 0). @throws UNAVAILABLE-style Error when the port is taken */
  listen(bindIp: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(`${bindIp}:${port}`, ServerCredentials.createInsecure(), (err, bound) => {
        if (err) reject(err);
        else resolve(bound);
      });
    });
  }

  /** Lets calls in flight finish for up to `graceMs`, then cuts the rest. */
  async close(graceMs = 5000): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => { this.server.forceShutdown(); resolve(); }, graceMs);
      this.server.tryShutdown(() => { clearTimeout(timer); resolve(); });
    });
    await this.closeExtents().catch((err: unknown) => this.opts.log.warn({ err }, 'closing the extent service failed'));
  }
}
