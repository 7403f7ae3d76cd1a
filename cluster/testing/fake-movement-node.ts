/**
 * FakeMovementNode: a storage node's MovementService for unit tests of ring distribution: it
 * reports the ring versions it was given and serves those ring files from memory (MovementStatus,
 * GetRing; nothing else).
 */
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { StoreError } from '../../common/index.js';
import { encodeRing, type RingData } from '../../ring/index.js';
import { toServiceError } from '../grpc-status.js';
import { movementServiceDefinition } from '../storage-proto.js';
import type * as M from '../storage-messages.js';

export class FakeMovementNode {
  readonly rings = new Map<string, Buffer>();
  versions: Record<string, number> = {};
  statusCalls = 0;
  port = 0;
  private server: Server | undefined;

  async start(): Promise<void> {
    const server = new Server();
    server.addService(movementServiceDefinition, {
      MovementStatus: (_call: ServerUnaryCall<unknown, M.MovementStatusResponseMsg>, cb: sendUnaryData<Partial<M.MovementStatusResponseMsg>>) => {
        this.statusCalls++;
        cb(null, { nodeId: `n${this.port}`, ringVersions: this.versions, devices: [] });
      },
      GetRing: (call: ServerUnaryCall<M.GetRingRequestMsg, M.GetRingResponseMsg>, cb: sendUnaryData<M.GetRingResponseMsg>) => {
        const data = this.rings.get(call.request.name);
        if (!data) return cb(toServiceError(new StoreError('NOT_FOUND', 'no such ring')));
        cb(null, { name: call.request.name, version: this.versions[call.request.name] ?? 0, data });
      },
    });
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    this.server = server;
  }

  /** Serves `data` as the ring `name`. */
  async serve(name: string, data: RingData): Promise<void> {
    this.rings.set(name, await encodeRing(data));
    this.versions[name] = data.version;
  }

  stop(): void {
    this.server?.forceShutdown();
  }
}
