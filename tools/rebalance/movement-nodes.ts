/**
 * The storage-node calls a rebalance makes: partition usage from the nodes data leaves (for the
 * preview's bytes) and the ring push to every node. Behind a small interface so that the flow is
 * tested with fakes; `clusterMovementNodes` is the gRPC implementation.
 */
import {
  MovementClientPool, DEFAULT_NODE_CLIENT_CONFIG,
  type ClusterConfig, type PartitionBytesMsg, type PushRingRequestMsg, type PushRingResponseMsg,
} from '../../cluster/index.js';
import type { PartitionBytesIndex } from './preview.js';

export interface MovementNodes {
  /** Bytes per object partition on one device of a node. */
  partitionUsage(ip: string, port: number, device: string): Promise<PartitionBytesMsg[]>;
  pushRing(ip: string, port: number, req: PushRingRequestMsg): Promise<PushRingResponseMsg>;
  close(): void;
}

/** MovementNodes over gRPC (MovementClient), with `timeoutMs` to connect and per push. */
export function clusterMovementNodes(config: ClusterConfig, timeoutMs = 10_000): MovementNodes {
  const pool = new MovementClientPool({ ...DEFAULT_NODE_CLIENT_CONFIG, peerSecret: config.peerSecret,
    connectTimeoutMs: Math.min(timeoutMs, 5_000), nodeTimeoutMs: timeoutMs, keepaliveMs: 0 });
  return {
    partitionUsage: (ip, port, device) => pool.get(ip, port).partitionUsage(device),
    pushRing: (ip, port, req) => pool.get(ip, port).pushRing(req, { timeoutMs }),
    close: () => pool.close(),
  };
}

/**
 * Reads the partition usage of the given disks, in parallel per node. A node that fails is
 * listed in `unknown` (the preview says its bytes are unknown) with the reason in `errors`.
 */
export async function gatherUsage(nodes: MovementNodes, sources: Map<string, { ip: string; port: number; devices: Set<string> }>):
Promise<{ usage: PartitionBytesIndex; unknown: Set<string>; errors: string[] }> {
  const usage: PartitionBytesIndex = new Map();
  const unknown = new Set<string>();
  const errors: string[] = [];
  await Promise.all([...sources.entries()].map(async ([address, s]) => {
    try {
      for (const device of [...s.devices].sort()) {
        const parts = new Map<number, number>();
        for (const p of await nodes.partitionUsage(s.ip, s.port, device)) {
          if (p.device === device || p.device === '') parts.set(p.partition, (parts.get(p.partition) ?? 0) + p.bytes);
        }
        usage.set(`${address}/${device}`, parts);
      }
    } catch (err) {
      unknown.add(address);
      errors.push(`${address}: ${(err as Error).message}`);
    }
  }));
  return { usage, unknown, errors };
}

/** What one node said after the push. */
export interface PushResult {
  address: string;
  /** Node id (device meta) or the address. */
  node: string;
  /** Ring name -> version the node uses now (rings pushed before a failure included). */
  versions: Record<string, number>;
  error?: string;
}

/**
 * Pushes every ring to every node (nodes in parallel, rings in order). Never throws for a
 * node's failure: it is reported in the node's result.
 */
export async function pushRings(nodes: MovementNodes, targets: Array<{ ip: string; port: number; node: string }>,
  rings: Array<{ name: string; data: Buffer }>): Promise<PushResult[]> {
  return Promise.all(targets.map(async (t): Promise<PushResult> => {
    const result: PushResult = { address: `${t.ip}:${t.port}`, node: t.node, versions: {} };
    for (const r of rings) {
      try {
        const res = await nodes.pushRing(t.ip, t.port, { name: r.name, data: r.data, force: false });
        result.versions[r.name] = res.version;
      } catch (err) {
        result.error = (err as Error).message;
        break;
      }
    }
    return result;
  }));
}
