/**
 * PeerGate: which peers a replication pass can reach. The first contact with a peer waits for
 * its connection (riding out grpc's reconnect backoff after the peer restarted); a peer that
 * stays unreachable is skipped for the rest of the pass, so a dead node costs one connect
 * timeout per pass rather than one per partition.
 */
import type { ReplicationClient } from '../../cluster/index.js';

export class PeerGate {
  private readonly verdicts = new Map<string, Promise<boolean>>();

  /** Forget verdicts (at the start of a pass). */
  reset(): void {
    this.verdicts.clear();
  }

  /** Whether `client`'s node is reachable in this pass. */
  reachable(client: ReplicationClient, timeoutMs?: number): Promise<boolean> {
    let v = this.verdicts.get(client.address);
    if (!v) {
      v = client.waitReady(timeoutMs);
      this.verdicts.set(client.address, v);
    }
    return v;
  }
}
