/**
 * PeerAgreements: the primary partitions this node found identical on a peer (equal suffix
 * hashes), so that the replicator's next passes skip them instead of asking the peer again.
 * Comparing every partition with every peer every 30 s was most of an idle node's CPU (and the
 * peers' CPU answering): a cluster at rest spent a fifth of its cores agreeing with itself.
 *
 * An agreement ends, and the next pass compares again, when:
 * - anything in the partition changes here (every write path goes through the suffix hash
 *   cache's invalidation: client writes, pushed files, quarantines, reclaimed tombstones);
 * - a peer asks for this partition's hashes with a digest of its own that differs from this
 *   node's: the peer changed or lost files (a wiped disk, a quarantined file), and since
 *   replication is push-only, this node must look at what the peer now lacks;
 * - it is older than the TTL (a full compare at least that often, whatever happened);
 * - the ring changes, an operator asks for a full pass, or the process restarts (memory only).
 * A change between the start of a compare and its recording cancels the recording (generation).
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../common/index.js';

interface Agreement { atMs: number; peers: Set<string> }

/**
 * Digest of a whole partition's suffix hashes, the same on every node holding identical files:
 * what a replicator sends with its question so that the peer can tell whether they differ.
 */
export function partitionDigest(hashes: ReadonlyMap<string, string>): string {
  const entries = [...hashes].map(([suffix, hash]) => `${suffix}=${hash}`).sort();
  return createHash('md5').update(entries.join('\n')).digest('hex');
}

export class PeerAgreements {
  private readonly byPartition = new Map<string, Agreement>();
  private readonly gens = new Map<string, number>();
  /** Bumped by forgetAll(): ends the compares in flight for every partition. */
  private epoch = 0;

  /** @param ttlMs longest time an agreement is trusted; 0: never trusted (compare every pass) */
  constructor(private readonly ttlMs: number, private readonly clock: Clock) {}

  /** Generation of a partition's agreements, read before a compare: pass it back to record(). */
  generation(device: string, partition: number): string {
    return `${this.epoch}:${this.gens.get(key(device, partition)) ?? 0}`;
  }

  /** Whether the partition was found identical on `peer` and nothing ended that since. */
  holds(device: string, partition: number, peer: string): boolean {
    if (this.ttlMs <= 0) return false;
    const a = this.byPartition.get(key(device, partition));
    if (!a) return false;
    if (this.clock.nowMs() - a.atMs > this.ttlMs) {
      this.byPartition.delete(key(device, partition));
      return false;
    }
    return a.peers.has(peer);
  }

  /**
   * Records that `peer` holds what this node holds, unless something ended the partition's
   * agreements since `generation` was read (the compare may have missed that change).
   */
  record(device: string, partition: number, peer: string, generation: string): void {
    const k = key(device, partition);
    if (this.ttlMs <= 0 || this.generation(device, partition) !== generation) return;
    let a = this.byPartition.get(k);
    if (!a) {
      a = { atMs: this.clock.nowMs(), peers: new Set() };
      this.byPartition.set(k, a);
    }
    a.peers.add(peer);
  }

  /** Ends every agreement about a partition (it changed here, or a peer sees it differently). */
  forget(device: string, partition: number): void {
    const k = key(device, partition);
    this.byPartition.delete(k);
    this.gens.set(k, (this.gens.get(k) ?? 0) + 1);
  }

  /**
   * A peer asked for a whole partition's hashes and said what its own hash to: a different
   * digest ends the agreements (an empty one, from a node that does not send it, too).
   */
  peerAsked(device: string, partition: number, callerDigest: string, ours: ReadonlyMap<string, string>): void {
    if (callerDigest === '' || callerDigest !== partitionDigest(ours)) this.forget(device, partition);
  }

  /** Ends every agreement (ring change, full pass requested). */
  forgetAll(): void {
    this.epoch += 1;
    this.byPartition.clear();
  }

  /** Partitions with at least one agreement (metrics, tests). */
  get size(): number {
    return this.byPartition.size;
  }
}

function key(device: string, partition: number): string {
  return `${device}:${partition}`;
}
