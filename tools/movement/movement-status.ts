/**
 * What data movement looks like across the cluster right now: every storage node named by a
 * ring file (plus any extra address, e.g. a node added to the builders but not yet to a ring) is
 * asked for its MovementStatus in parallel with a bounded timeout, and the answers are summed
 * into one MovementSnapshot. `summariseMovement` is pure so tests feed it answers.
 */
import {
  MovementClientPool, DEFAULT_NODE_CLIENT_CONFIG,
  type ClusterConfig, type MovementControlMsg, type MovementStatusResponseMsg,
} from '../../cluster/index.js';
import { clusterNodes } from '../cluster-health.js';

/** One node's answer (or why there is none). */
export type NodeMovement = Pick<MovementStatusResponseMsg, 'nodeId' | 'ringVersions' | 'devices' | 'control' | 'movedBytes' | 'movedPartitions' | 'movedListingPartitions'>
  & { address: string; error?: string };

/** The cluster's data movement at one moment. */
export interface MovementSnapshot {
  atMs: number;
  nodes: NodeMovement[];
  /** Addresses ("ip:port") of the nodes that did not answer. */
  unreachable: string[];
  /** Still to move: handoff object partitions and their bytes, handoff listing partitions. */
  toMove: { partitions: number; bytes: number; listingPartitions: number };
  /** Every node answered, all use the ring files' versions, and nothing is left to move. */
  done: boolean;
  /** Ring name → version of the ring file in config.ringDir. */
  ringFiles: Record<string, number>;
  /** Every node that answered uses the ring files' version of every ring it reports. */
  ringsInSync: boolean;
}

/** A node's raw answer, as gathered: a status or an error message. */
export interface NodeAnswer {
  address: string;
  status?: MovementStatusResponseMsg;
  error?: string;
}

const NO_CONTROL: MovementControlMsg = { maxBytesPerSec: 0, paused: false };

/** Turns one answer into a NodeMovement (a failed node keeps its address and error). */
export function toNodeMovement(a: NodeAnswer): NodeMovement {
  const s = a.status;
  if (!s) {
    return { address: a.address, nodeId: '', ringVersions: {}, devices: [], control: { ...NO_CONTROL }, movedBytes: 0,
      movedPartitions: 0, movedListingPartitions: 0, error: a.error ?? 'no answer' };
  }
  return {
    address: a.address, nodeId: s.nodeId, ringVersions: { ...s.ringVersions }, devices: s.devices,
    control: s.control ?? { ...NO_CONTROL }, movedBytes: s.movedBytes, movedPartitions: s.movedPartitions,
    movedListingPartitions: s.movedListingPartitions,
  };
}

/**
 * True when every answering node uses the ring files' versions. A ring a node does not report
 * is not held against it (a node without that ring serves none of its data).
 */
export function ringsMatch(nodes: NodeMovement[], ringFiles: Record<string, number>): boolean {
  for (const n of nodes) {
    if (n.error !== undefined) continue;
    for (const [name, version] of Object.entries(ringFiles)) {
      const inUse = n.ringVersions[name];
      if (inUse !== undefined && inUse !== version) return false;
    }
  }
  return true;
}

/** Sums the nodes' answers into a snapshot. */
export function summariseMovement(answers: NodeAnswer[], ringFiles: Record<string, number>, atMs: number): MovementSnapshot {
  const nodes = answers.map(toNodeMovement);
  const unreachable = nodes.filter((n) => n.error !== undefined).map((n) => n.address);
  const toMove = { partitions: 0, bytes: 0, listingPartitions: 0 };
  for (const n of nodes) {
    for (const d of n.devices) {
      toMove.partitions += d.handoffPartitions;
      toMove.bytes += d.handoffBytes;
      toMove.listingPartitions += d.listingHandoffPartitions;
    }
  }
  const ringsInSync = ringsMatch(nodes, ringFiles);
  const done = nodes.length > 0 && unreachable.length === 0 && ringsInSync
    && toMove.partitions === 0 && toMove.bytes === 0 && toMove.listingPartitions === 0;
  return { atMs, nodes, unreachable, toMove, done, ringFiles, ringsInSync };
}

/**
 * Asks every node named by any ring in config.ringDir (plus `extra` addresses) for its
 * MovementStatus, in parallel; a node that does not answer within `timeoutMs` (default 10000)
 * is asked once more with twice the time (a node walking many changed partitions under load
 * answers late; the second call joins the walk in progress) and only then listed as
 * unreachable. Never throws for a node's failure.
 * @throws NOT_FOUND, CORRUPT when a ring file cannot be read
 */
export async function gatherMovementStatus(config: ClusterConfig,
  opts: { timeoutMs?: number; extra?: Array<{ ip: string; port: number }> } = {}): Promise<MovementSnapshot> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const { addresses, ringFiles } = await clusterNodes(config);
  const all = new Map<string, { ip: string; port: number }>();
  for (const a of [...addresses, ...(opts.extra ?? [])]) all.set(`${a.ip}:${a.port}`, a);
  const pool = new MovementClientPool({ ...DEFAULT_NODE_CLIENT_CONFIG, peerSecret: config.peerSecret,
    connectTimeoutMs: timeoutMs, nodeTimeoutMs: timeoutMs * 2, keepaliveMs: 0 });
  const ask = async (address: string, ip: string, port: number): Promise<NodeAnswer> => {
    let error = '';
    for (const wait of [timeoutMs, timeoutMs * 2]) {
      try {
        return { address, status: await pool.get(ip, port).movementStatus({ timeoutMs: wait }) };
      } catch (err) {
        error = (err as Error).message;
      }
    }
    return { address, error };
  };
  try {
    const answers = await Promise.all([...all.entries()].map(([address, { ip, port }]) => ask(address, ip, port)));
    return summariseMovement(answers, ringFiles, Date.now());
  } finally {
    pool.close();
  }
}
