/**
 * FakeMovementNode: a gRPC server on 127.0.0.1 that speaks only the MovementService of the
 * storage-node contract, with state the test sets (status, devices, ring files served) and
 * records (rings pushed, controls set, status calls). For unit tests of ring distribution and
 * of the movement tools; not a model of the real node.
 */
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { StoreError, type ErrorCode } from '../../common/index.js';
import { encodeRing, type RingData } from '../../ring/index.js';
import { toServiceError } from '../grpc-status.js';
import { movementServiceDefinition } from '../storage-proto.js';
import type * as M from '../storage-messages.js';

type Unary<Req, Res> = (call: ServerUnaryCall<Req, Res>, cb: sendUnaryData<Res>) => void;

/** A device with everything zero except what is given. */
export function device(name: string, o: Partial<M.DeviceUsageMsg> = {}): M.DeviceUsageMsg {
  return { device: name, mounted: true, capacityBytes: 0, usedBytes: 0, freeBytes: 0, objectBytes: 0, objectFiles: 0, objectPartitions: 0,
    handoffPartitions: 0, handoffBytes: 0, handoffFiles: 0, listingHandoffPartitions: 0, ...o };
}

export class FakeMovementNode {
  status: M.MovementStatusResponseMsg;
  control: M.MovementControlMsg = { maxBytesPerSec: 0, paused: false };
  readonly pushed: M.PushRingRequestMsg[] = [];
  /** Ring files GetRing serves (see serve()). */
  readonly rings = new Map<string, Buffer>();
  /** When set, every call fails with this code. */
  failWith: ErrorCode | undefined;
  /** Delays of the next MovementStatus answers, one taken per call (a node busy walking). */
  statusDelaysMs: number[] = [];
  statusCalls = 0;
  port = 0;
  private server: Server | undefined;

  constructor(nodeId = '', devices: M.DeviceUsageMsg[] = [device('d1')]) {
    this.status = { nodeId, ringVersions: {}, devices, control: this.control, movedBytes: 0, movedPartitions: 0,
      movedListingPartitions: 0, startedMs: Date.now(), clientRequestsInFlight: 0 };
  }

  /** Ring name → version the node reports (and serves). */
  get versions(): Record<string, number> {
    return this.status.ringVersions;
  }

  async start(port = 0): Promise<number> {
    const server = new Server();
    const guard = <Req, Res>(fn: (req: Req) => Res): Unary<Req, Res> => (call, cb) => {
      if (this.failWith) return cb(toServiceError(new StoreError(this.failWith, 'fake failure')));
      try {
        cb(null, fn(call.request));
      } catch (err) {
        cb(toServiceError(err));
      }
    };
    const status = guard(() => ({ ...this.status, control: this.control }));
    const impl: Record<string, Unary<never, unknown>> = {
      MovementStatus: (call: ServerUnaryCall<never, M.MovementStatusResponseMsg>, cb: sendUnaryData<M.MovementStatusResponseMsg>) => {
        this.statusCalls += 1;
        const delayMs = this.statusDelaysMs.shift() ?? 0;
        if (delayMs > 0) setTimeout(() => status(call, cb), delayMs);
        else status(call, cb);
      },
      SetMovement: guard((req: M.MovementControlMsg) => {
        this.control = { maxBytesPerSec: req.maxBytesPerSec, paused: req.paused };
        return this.control;
      }),
      PushRing: guard((req: M.PushRingRequestMsg) => {
        this.pushed.push(req);
        return { version: 1, applied: true };
      }),
      GetRing: guard((req: M.GetRingRequestMsg): M.GetRingResponseMsg => {
        const data = this.rings.get(req.name);
        if (!data) throw new StoreError('NOT_FOUND', 'no such ring');
        return { name: req.name, version: this.versions[req.name] ?? 0, data };
      }),
      PartitionUsage: guard(() => ({ partitions: [] })),
    };
    server.addService(movementServiceDefinition, impl as unknown as UntypedServiceImplementation);
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    this.server = server;
    return this.port;
  }

  /** Serves `data` as the ring `name` and reports its version. */
  async serve(name: string, data: RingData): Promise<void> {
    this.rings.set(name, await encodeRing(data));
    this.versions[name] = data.version;
  }

  stop(): void {
    this.server?.forceShutdown();
    this.server = undefined;
  }
}
