/**
 * Request ids in Swift's transaction-id shape ("tx" + 21 hex + "-" + 10 hex of the time), so
 * Swift clients and operators see familiar X-Trans-Id values; the proxy passes them on to
 * storage nodes in gRPC metadata.
 */
import { randomBytes } from 'node:crypto';

/** A new transaction id, e.g. "tx3f1e...9a-00655e1c2f". */
export function newTransactionId(nowMs: number = Date.now()): string {
  const random = randomBytes(11).toString('hex').slice(0, 21);
  const secs = Math.floor(nowMs / 1000).toString(16).padStart(10, '0');
  return `tx${random}-${secs}`;
}
