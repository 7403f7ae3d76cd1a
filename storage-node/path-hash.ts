/**
 * The name of an object's folder on disk: xxhash64 of its path ("/account/container/object")
 * salted with the cluster's hash secret, as 16 hex digits; its last 3 digits are the suffix
 * folder. Every node must use the same secret so that replicas of a partition have the same
 * folders and the replicator can compare suffix hashes.
 */
import { initChecksums, xxhashApi, hex64 } from './checksum.js';

/** Hashes object paths for the on-disk layout. */
export class PathHasher {
  private readonly salt: Buffer;

  private constructor(secret: string) {
    this.salt = Buffer.from(secret, 'utf8');
  }

  /** Makes a hasher once the xxhash module is ready. */
  static async create(secret: string): Promise<PathHasher> {
    await initChecksums();
    return new PathHasher(secret);
  }

  /** 16 lowercase hex digits of xxhash64(secret + path). */
  hash(path: string): string {
    const p = Buffer.from(path, 'utf8');
    const buf = Buffer.allocUnsafe(this.salt.length + p.length);
    this.salt.copy(buf, 0);
    p.copy(buf, this.salt.length);
    return hex64(xxhashApi().h64Raw(buf));
  }
}

/** The suffix folder of a hash: its last 3 hex digits (4,096 suffixes per partition). */
export function suffixOf(hash: string): string {
  return hash.slice(-3);
}

/** "/account/container/object" */
export function objectPath(account: string, container: string, object: string): string {
  return `/${account}/${container}/${object}`;
}
