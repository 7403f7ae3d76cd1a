/**
 * The rules that stop a rebalance, drain or removal before anything is written. Pure: each takes
 * what was gathered (movement snapshot, plans) and returns a one-line reason, or undefined when
 * the rule holds. The commands turn a reason into PRECONDITION_FAILED (exit code 4).
 */
import { NO_DEVICE, type Device, type Ring } from '../../ring/index.js';
import { partitionsBelowQuorum } from '../../ring/index.js';
import { quorumSize } from '../../cluster/index.js';
import type { MovementSnapshot } from '../movement/movement-status.js';
import { formatBytes } from '../movement/movement-units.js';
import type { RingPlan } from './rebalance-plan.js';
import { nodeAddress } from './ring-set.js';
import type { Target } from './drain-target.js';

const list = (xs: string[], max = 3): string => (xs.length <= max ? xs.join(', ') : `${xs.slice(0, max).join(', ')} and ${xs.length - max} more`);

/**
 * A new ring may go out only once the previous movement has finished: every node answers, uses
 * the ring files' versions, and holds no handoff partition. (--force skips this rule.)
 */
export function movementRefusal(s: MovementSnapshot): string | undefined {
  const why = 'a new ring is pushed only once the previous movement has finished; use --force to push it anyway';
  if (s.unreachable.length > 0) {
    return `Cannot change the rings: storage node${s.unreachable.length > 1 ? 's' : ''} ${list(s.unreachable)} did not answer, so the previous movement cannot be confirmed finished (${why})`;
  }
  if (!s.ringsInSync) {
    return `Cannot change the rings: some nodes do not use the ring files' versions yet (${why})`;
  }
  if (!s.done) {
    const m = s.toMove;
    return `Cannot change the rings: the previous movement is not finished, ${m.partitions} partitions (${formatBytes(m.bytes)}) and ${m.listingPartitions} listing partitions still to move (${why}; watch it with "strata cluster status --watch")`;
  }
  return undefined;
}

/**
 * Every partition must keep at least the write quorum of its replicas on devices that already
 * hold it (the builder moves one replica per partition at a time; removing several devices at
 * once may take more).
 */
export function quorumRefusal(plans: RingPlan[]): string | undefined {
  for (const p of plans) {
    const replicas = p.builder.replicas;
    const quorum = quorumSize(replicas);
    const below = partitionsBelowQuorum(p.diff, quorum);
    if (below.count === 0 || below.first === undefined) continue;
    const part = below.first;
    return `Cannot rebalance: ${below.count} partition${below.count > 1 ? 's' : ''} of the ${p.name} ring would keep fewer than ${quorum} of ${replicas} replicas (the write quorum) where their data is, e.g. partition ${part} keeps ${p.diff.kept[part]} of ${p.diff.held[part]}; change fewer devices at a time`;
  }
  return undefined;
}

/** Storage-node addresses that receive partition-replicas in the plans. */
export function destinationAddresses(plans: RingPlan[]): string[] {
  const out = new Set<string>();
  for (const p of plans) {
    const seen = new Uint8Array(p.newDevices.length);
    for (let i = 0; i < p.diff.moveCount; i++) {
      const id = p.diff.moveTo[i]!;
      if (id === NO_DEVICE || seen[id]) continue;
      seen[id] = 1;
      const d = p.newDevices[id];
      if (d) out.add(nodeAddress(d));
    }
  }
  return [...out].sort();
}

/** A node that would receive data must answer now (even with --force). */
export function destinationRefusal(plans: RingPlan[], s: MovementSnapshot): string | undefined {
  const answering = new Set(s.nodes.filter((n) => n.error === undefined).map((n) => n.address));
  const silent = destinationAddresses(plans).filter((a) => !answering.has(a));
  if (silent.length === 0) return undefined;
  return `Cannot rebalance: storage node${silent.length > 1 ? 's' : ''} ${list(silent)} would receive data but did not answer; start ${silent.length > 1 ? 'them' : 'it'} or drain ${silent.length > 1 ? 'them' : 'it'} first`;
}

/** Partitions of `ring` with a replica on any of `addresses`. */
export function partitionsOn(ring: Ring | undefined, addresses: readonly string[]): number {
  if (!ring) return 0;
  const ids = new Uint8Array(ring.devices.length);
  for (const d of ring.devices) if (d && addresses.includes(nodeAddress(d))) ids[d.id] = 1;
  let n = 0;
  const table = ring.replicaTable();
  for (let p = 0; p < ring.partCount; p++) {
    for (const row of table) {
      const id = row[p]!;
      if (id !== NO_DEVICE && ids[id]) { n++; break; }
    }
  }
  return n;
}

export interface RemovalFacts {
  /** The block ring (a node still in it cannot be removed). */
  block: Ring | undefined;
  /** Listing partitions (account + container rings in use) with a replica on the node. */
  listingPartitionsInRings: number;
  force: boolean;
}

/**
 * A node may be removed only when it holds nothing: it answers and reports no object files and no
 * listing data; a node that does not answer may be removed with --force only (nothing can check
 * that it held no only copy). A node of the block ring cannot be removed.
 */
export function removalRefusal(t: Target, s: MovementSnapshot, f: RemovalFacts): string | undefined {
  const answers = s.nodes.filter((n) => t.addresses.includes(n.address) && n.error === undefined);
  const silent = t.addresses.filter((a) => !answers.some((n) => n.address === a));
  if (silent.length > 0 && !f.force) {
    return `Cannot remove node "${t.label}": it does not answer, so nothing can confirm that it holds no only copy of any data; use --force to remove it anyway`;
  }
  // Forced removal of a silent node: the operator knows it is gone for good; its data is
  // re-replicated from the other replicas (the quorum rule still applies to the new rings).
  if (silent.length === 0) {
    let partitions = 0;
    let bytes = 0;
    let files = 0;
    let listing = f.listingPartitionsInRings;
    for (const n of answers) {
      for (const d of n.devices) {
        files += d.objectFiles;
        bytes += d.objectBytes;
        if (d.objectFiles > 0) partitions += d.objectPartitions;
        listing += d.listingHandoffPartitions;
      }
    }
    if (files > 0 || listing > 0) {
      return `Cannot remove node "${t.label}": it still holds ${partitions + listing} partitions (${formatBytes(bytes)}): drain it first ("strata cluster drain ${t.label}")`;
    }
  }
  const inBlock = (f.block?.devices ?? []).some((d: Device | undefined) => d !== undefined && t.addresses.includes(nodeAddress(d)));
  if (inBlock) {
    return `Cannot remove node "${t.label}": it is a device of the block ring, whose extents do not move yet (drain moves only its object and listing data)`;
  }
  return undefined;
}
