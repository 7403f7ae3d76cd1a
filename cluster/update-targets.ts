/**
 * Which listing replicas each data replica tells about a write, as Swift spreads them: the
 * container replicas are dealt round-robin over the object replicas (object replica i updates
 * container replicas i, i+n, ...), and when there are fewer container replicas than object
 * replicas each object replica still updates one, so that any quorum of object writes reaches
 * every container replica. The same rule spreads account replicas over container replicas.
 */
import type { RingDevice } from './placement.js';
import type { TargetMsg } from './storage-messages.js';

/**
 * Listing targets for the data replica in `slot` of `dataReplicas`.
 * @param listing the primaries of the listing's partition
 */
export function updateTargetsFor(slot: number, dataReplicas: number, listing: { partition: number; primaries: RingDevice[] }): TargetMsg[] {
  const n = listing.primaries.length;
  if (n === 0 || dataReplicas <= 0) return [];
  const toTarget = (d: RingDevice): TargetMsg => ({ ip: d.ip, port: d.port, device: d.device, partition: listing.partition });
  if (n < dataReplicas) return [toTarget(listing.primaries[slot % n] as RingDevice)];
  const out: TargetMsg[] = [];
  for (let j = slot % dataReplicas; j < n; j += dataReplicas) out.push(toTarget(listing.primaries[j] as RingDevice));
  return out;
}
