/**
 * FakeMovementNode: a gRPC server on 127.0.0.1 that speaks only the MovementService of the
 * storage-node contract, with state the test sets (status, devices) and records (rings pushed,
 * controls set). For unit tests of the movement tools; not a model of the real node.
 */
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { StoreError, type ErrorCode } from '../../../common/index.js';
import { movementServiceDefinition, toServiceError, type DeviceUsageMsg, type MovementControlMsg, type MovementStatusResponseMsg,
  type PushRingRequestMsg } from '../../../cluster/index.js';

type Unary<Req, Res> = (call: ServerUnaryCall<Req, Res>, cb: sendUnaryData<Res>) => void;

/** A device with everything zero except what is given. */
export function device(name: string, o: Partial<DeviceUsageMsg> = {}): DeviceUsageMsg {
  return { device: name, mounted: true, capacityBytes: 0, usedBytes: 0, freeBytes: 0, objectBytes: 0, objectFiles: 0, objectPartitions: 0,
    handoffPartitions: 0, handoffBytes: 0, handoffFiles: 0, listingHandoffPartitions: 0, ...o };
}

export class FakeMovementNode {
  status: MovementStatusResponseMsg;
  control: MovementControlMsg = { maxBytesPerSec: 0, paused: false };
  readonly pushed: PushRingRequestMsg[] = [];
  /** When set, every call fails with this code. */
  failWith: ErrorCode | undefined;
  /** Delays of the next MovementStatus answers, one taken per call (a node busy walking). */
  statusDelaysMs: number[] = [];
  port = 0;
  private server: Server | undefined;

  constructor(nodeId: string, devices: DeviceUsageMsg[] = [device('d1')]) {
    this.status = { nodeId, ringVersions: {}, devices, control: this.control, movedBytes: 0, movedPartitions: 0,
      movedListingPartitions: 0, startedMs: Date.now(), clientRequestsInFlight: 0 };
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
    const impl: Record<string, Unary<never, unknown>> = {
      MovementStatus: (call: ServerUnaryCall<never, MovementStatusResponseMsg>, cb: sendUnaryData<MovementStatusResponseMsg>) => {
        const answer = guard(() => ({ ...this.status, control: this.control }));
        const delayMs = this.statusDelaysMs.shift() ?? 0;
        if (delayMs > 0) setTimeout(() => answer(call, cb), delayMs);
        else answer(call, cb);
      },
      SetMovement: guard((req: MovementControlMsg) => {
        this.control = { maxBytesPerSec: req.maxBytesPerSec, paused: req.paused };
        return this.control;
      }),
      PushRing: guard((req: PushRingRequestMsg) => {
        this.pushed.push(req);
        return { version: 1, applied: true };
      }),
      GetRing: guard(() => { throw new StoreError('NOT_FOUND', 'no ring'); }),
      PartitionUsage: guard(() => ({ partitions: [] })),
    };
    server.addService(movementServiceDefinition, impl as unknown as UntypedServiceImplementation);
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    this.server = server;
    return this.port;
  }

  stop(): void {
    this.server?.forceShutdown();
    this.server = undefined;
  }
}
