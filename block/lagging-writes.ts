/**
 * LaggingWrites: replica writes still running after their NBD write was acknowledged. A write is
 * acknowledged once a majority of replicas took it (the design's rule); the slowest replica's
 * answer arrives later, and until it does that replica may not hold every acknowledged byte. So:
 * - reads prefer replicas with nothing lagging on the extent, or wait for it to settle;
 * - FLUSH, bumps, resyncs and snapshots first wait for the lagging writes they depend on;
 * - the bytes held by lagging writes are bounded, so one slow node cannot grow the gateway's
 *   memory without limit (writers wait instead).
 * Each tracked promise must never reject (the caller handles the replica's outcome itself).
 */

interface Tail { promise: Promise<void>; count: number }

export class LaggingWrites {
  /** Per "index:replicaId": the newest write's promise (writes to one replica complete in order). */
  private readonly tails = new Map<string, Tail>();
  private readonly all = new Set<Promise<void>>();
  private heldBytes = 0;

  constructor(private readonly maxBytes: number) {}

  private static key(index: number, replicaId: number): string {
    return `${index}:${replicaId}`;
  }

  /** Bytes of payload held by running replica writes. */
  get bytes(): number {
    return this.heldBytes;
  }

  /** Registers a running replica write of `bytes` payload to extent `index`. */
  track(index: number, replicaId: number, write: Promise<void>, bytes: number): void {
    const key = LaggingWrites.key(index, replicaId);
    const prev = this.tails.get(key);
    const tail: Tail = { promise: prev ? Promise.all([prev.promise, write]).then(() => undefined) : write, count: (prev?.count ?? 0) + 1 };
    this.tails.set(key, tail);
    this.heldBytes += bytes;
    this.all.add(write);
    void write.then(() => {
      this.heldBytes -= bytes;
      this.all.delete(write);
      const t = this.tails.get(key);
      if (t && --t.count === 0) this.tails.delete(key);
    });
  }

  /** True when a write to this replica of the extent has not answered yet. */
  pending(index: number, replicaId: number): boolean {
    return this.tails.has(LaggingWrites.key(index, replicaId));
  }

  /** True when any replica of the extent has a write running. */
  extentBusy(index: number, replicaIds: readonly number[]): boolean {
    return replicaIds.some((id) => this.pending(index, id));
  }

  /** Waits until every write to the extent's replicas that is running now has answered. */
  async settleExtent(index: number, replicaIds: readonly number[]): Promise<void> {
    const waits: Array<Promise<void>> = [];
    for (const id of replicaIds) {
      const t = this.tails.get(LaggingWrites.key(index, id));
      if (t) waits.push(t.promise);
    }
    await Promise.all(waits);
  }

  /** Waits until every write running now has answered. */
  async settleAll(): Promise<void> {
    await Promise.all([...this.all]);
  }

  /** Waits while more than the allowed bytes are held (bounded: the oldest writes answer or time out). */
  async throttle(): Promise<void> {
    while (this.heldBytes > this.maxBytes && this.all.size > 0) await Promise.race([...this.all]);
  }
}
