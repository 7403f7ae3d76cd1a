/**
 * MovementService handlers (cluster/proto/storage.proto, "Data movement"): ring push and fetch
 * (NodeRings), movement progress (movement-status.ts) and control (Movement), and per-partition
 * usage for rebalance previews. Behind the peer credential like every service; its calls are not
 * client traffic, so data movement does not yield to them.
 */
import type { Server } from '@grpc/grpc-js';
import type { Logger } from '../common/index.js';
import { movementServiceDefinition, type PushRingRequestMsg, type GetRingRequestMsg, type MovementControlMsg, type PartitionUsageRequestMsg } from '../cluster/index.js';
import { GrpcEdge, type CallObserver } from './grpc-call.js';
import type { NodeRings } from './node-rings.js';
import { movementStatus, partitionUsage, type MovementStatusDeps } from './movement-status.js';

export interface MovementServiceDeps extends MovementStatusDeps {
  rings: NodeRings;
  peerSecret: string;
  log: Logger;
  observe?: CallObserver;
}

/** Registers MovementService on a node's gRPC server. */
export function addMovementService(server: Server, deps: MovementServiceDeps): void {
  const edge = new GrpcEdge({ peerSecret: deps.peerSecret, log: deps.log, ...(deps.observe ? { observe: deps.observe } : {}) });
  server.addService(movementServiceDefinition, {
    PushRing: edge.unary('PushRing', async (req: PushRingRequestMsg) => {
      const res = await deps.rings.push(req.name, Buffer.from(req.data ?? []), Boolean(req.force));
      deps.log.info({ ring: req.name, version: res.version, applied: res.applied, force: Boolean(req.force) }, 'ring pushed');
      return res;
    }),
    GetRing: edge.unary('GetRing', (req: GetRingRequestMsg) => deps.rings.file(req.name)),
    MovementStatus: edge.unary('MovementStatus', () => movementStatus(deps)),
    SetMovement: edge.unary('SetMovement', (req: MovementControlMsg) => deps.movement.set(req)),
    PartitionUsage: edge.unary('PartitionUsage', async (req: PartitionUsageRequestMsg) => ({ partitions: await partitionUsage(deps, req.device ?? '') })),
  });
}
