/**
 * BucketRegistry: S3 bucket names are global, Swift container names are per account. The
 * registry keeps "bucket → owner account" as empty objects in a reserved account (".s3-buckets",
 * container "buckets"), written through the ObjectCluster like any data, so every proxy sees it.
 * The owner is in the object's metadata. Creation uses If-None-Match: * so two accounts racing
 * for one name cannot both win.
 */
import { Readable } from 'node:stream';
import { StoreError, type Logger } from '../../common/index.js';
import type { ObjectCluster } from '../../cluster/index.js';

export const REGISTRY_ACCOUNT = '.s3-buckets';
const CONTAINER = 'buckets';
const OWNER_KEY = 'x-object-meta-owner';

export type ClaimResult = 'created' | 'owned' | 'taken';

export class BucketRegistry {
  private ready: Promise<unknown> | undefined;

  constructor(private readonly cluster: ObjectCluster, private readonly log: Logger) {}

  /** The account that owns `bucket`, or undefined when nobody registered it. */
  async owner(bucket: string): Promise<string | undefined> {
    try {
      const meta = await this.cluster.headObject({ account: REGISTRY_ACCOUNT, container: CONTAINER, object: bucket });
      return meta.metadata[OWNER_KEY];
    } catch (err) {
      if (err instanceof StoreError && err.code === 'NOT_FOUND') return undefined;
      throw err;
    }
  }

  /**
   * Registers `bucket` for `account` unless another account has it.
   * @throws QUORUM_NOT_MET and other cluster errors
   */
  async claim(bucket: string, account: string): Promise<ClaimResult> {
    const current = await this.owner(bucket);
    if (current !== undefined) return current === account ? 'owned' : 'taken';
    await this.ensureContainer();
    try {
      await this.cluster.putObject({
        account: REGISTRY_ACCOUNT, container: CONTAINER, object: bucket, body: Readable.from([]),
        contentType: 'application/octet-stream', metadata: { [OWNER_KEY]: account }, contentLength: 0,
        ifNoneMatchAny: true,
      });
    } catch (err) {
      if (err instanceof StoreError && err.code === 'PRECONDITION_FAILED') {
        return (await this.owner(bucket)) === account ? 'owned' : 'taken';
      }
      throw err;
    }
    // If-None-Match is checked per replica, so two proxies racing for one name can both write;
    // the newest write wins everywhere, and reading it back tells each side which one it was.
    return (await this.owner(bucket)) === account ? 'created' : 'taken';
  }

  /** Forgets `bucket` if `account` owns it (after DeleteBucket). Errors are logged, not thrown. */
  async release(bucket: string, account: string): Promise<void> {
    try {
      if ((await this.owner(bucket)) !== account) return;
      await this.cluster.deleteObject({ account: REGISTRY_ACCOUNT, container: CONTAINER, object: bucket });
    } catch (err) {
      this.log.warn({ err, bucket }, 'cannot release bucket name');
    }
  }

  private ensureContainer(): Promise<unknown> {
    this.ready ??= this.cluster.putContainer({ account: REGISTRY_ACCOUNT, container: CONTAINER }, {}).catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }
}
