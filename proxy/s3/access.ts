/**
 * Access control: finds the account holding an addressed bucket and decides whether the
 * requester may read or write it. The owner account may do anything; anyone else (another
 * account or an anonymous request) may only read a bucket whose canned ACL is public-read, or
 * an object whose own ACL is public-read. Reseller admins may act on any account.
 *
 * Canned ACLs are stored Swift-compatibly: a public-read bucket has X-Container-Read ".r:*,
 * .rlistings" (so Swift's anonymous access agrees), an object ACL is sysmeta "s3-acl".
 */
import type { ContainerInfo, ObjectMeta } from '../../cluster/index.js';
import { StoreError } from '../../common/index.js';
import type { S3Context } from './context.js';
import { S3Error } from './errors.js';

export const OBJECT_ACL_KEY = 'x-object-sysmeta-s3-acl';
export const PUBLIC_READ_CONTAINER = '.r:*,.rlistings';

export interface ResolvedBucket {
  account: string;
  bucket: string;
  info: ContainerInfo;
  /** The requester owns the bucket (or is a reseller admin). */
  owned: boolean;
  /** Anyone may list and read it. */
  publicRead: boolean;
}

export type Access = 'read' | 'write';

/**
 * @throws S3Error NoSuchBucket, AccessDenied; cluster errors
 */
export async function resolveBucket(ctx: S3Context, access: Access, bucket = ctx.bucket): Promise<ResolvedBucket> {
  if (bucket === undefined) throw new S3Error('InvalidRequest', 'This operation needs a bucket');
  const { registry } = ctx.deps;
  const me = ctx.identity;
  if (me) {
    const info = await headContainer(ctx, me.account, bucket);
    if (info) return { account: me.account, bucket, info, owned: true, publicRead: isPublic(info) };
  }
  const owner = await registry.owner(bucket);
  if (owner === undefined) throw new S3Error('NoSuchBucket', undefined, { BucketName: bucket });
  const info = await headContainer(ctx, owner, bucket);
  if (!info) throw new S3Error('NoSuchBucket', undefined, { BucketName: bucket });
  const reseller = me?.roles.includes('.reseller_admin') ?? false;
  const publicRead = isPublic(info);
  // Reads are decided per operation (listing vs. a public-read object); writes need ownership.
  if (!reseller && access === 'write') throw new S3Error('AccessDenied');
  return { account: owner, bucket, info, owned: reseller, publicRead };
}

/** Throws AccessDenied unless the requester may read this object of a resolved bucket. */
export function checkObjectRead(target: ResolvedBucket, meta: ObjectMeta): void {
  if (target.owned || target.publicRead) return;
  if (meta.metadata[OBJECT_ACL_KEY] === 'public-read') return;
  throw new S3Error('AccessDenied');
}

/** Throws AccessDenied unless the requester may list the bucket. */
export function checkList(target: ResolvedBucket): void {
  if (!target.owned && !target.publicRead) throw new S3Error('AccessDenied');
}

/** Throws AccessDenied unless the requester owns the bucket (configuration, ACLs, multipart). */
export function checkOwner(target: ResolvedBucket): void {
  if (!target.owned) throw new S3Error('AccessDenied');
}

function isPublic(info: ContainerInfo): boolean {
  return (info.metadata['x-container-read'] ?? '').split(',').some((g) => g.trim() === '.r:*');
}

async function headContainer(ctx: S3Context, account: string, bucket: string): Promise<ContainerInfo | undefined> {
  try {
    return await ctx.deps.cluster.headContainer({ account, container: bucket });
  } catch (err) {
    if (err instanceof StoreError && err.code === 'NOT_FOUND') return undefined;
    throw err;
  }
}
