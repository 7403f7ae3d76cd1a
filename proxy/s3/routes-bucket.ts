/**
 * Bucket operations: CreateBucket (global names through the BucketRegistry), HeadBucket,
 * DeleteBucket. A bucket is a container of the requester's storage account.
 */
import { StoreError } from '../../common/index.js';
import { PUBLIC_READ_CONTAINER, resolveBucket } from './access.js';
import { validateBucketName } from './addressing.js';
import { header, segmentsContainer, type S3Context } from './context.js';
import { S3Error } from './errors.js';
import { cannedAcl } from './object-headers.js';
import { parseXml } from './xml.js';
import { readRequestDocument } from './upload-body.js';

const MAX_CONFIG_BYTES = 64 * 1024;

/** PUT /bucket. 200 when created or already the requester's (us-east-1 behaviour). */
export async function createBucket(ctx: S3Context): Promise<void> {
  const bucket = ctx.bucket!;
  const me = ctx.identity!;
  validateBucketName(bucket);
  const acl = cannedAcl(header(ctx, 'x-amz-acl'));
  const body = await readRequestDocument(ctx.request.raw, ctx.request.headers, ctx.payload, MAX_CONFIG_BYTES);
  if (body.trim() !== '') {
    const conf = parseXml(body, 'CreateBucketConfiguration');
    const location = conf.LocationConstraint;
    if (location !== undefined && typeof location !== 'string') throw new S3Error('MalformedXML');
  }
  const claim = await ctx.deps.registry.claim(bucket, me.account);
  if (claim === 'taken') throw new S3Error('BucketAlreadyExists', undefined, { BucketName: bucket });
  const metadata: Record<string, string> = {};
  if (acl !== undefined) metadata['x-container-read'] = acl === 'public-read' ? PUBLIC_READ_CONTAINER : '';
  await ctx.deps.cluster.putContainer({ account: me.account, container: bucket }, metadata);
  ctx.reply.code(200).header('location', `/${bucket}`).send();
}

/** HEAD /bucket: 200 if the requester may see it, 404/403 otherwise. */
export async function headBucket(ctx: S3Context): Promise<void> {
  const target = await resolveBucket(ctx, 'read');
  if (!target.owned && !target.publicRead) throw new S3Error('AccessDenied');
  ctx.reply.code(200).header('x-amz-bucket-region', ctx.deps.region).send();
}

/** DELETE /bucket: 409 BucketNotEmpty if objects remain; incomplete uploads are aborted. */
export async function deleteBucket(ctx: S3Context): Promise<void> {
  const target = await resolveBucket(ctx, 'write');
  const { cluster } = ctx.deps;
  const path = { account: target.account, container: target.bucket };
  if (target.info.objectCount > 0) throw new S3Error('BucketNotEmpty', undefined, { BucketName: target.bucket });
  try {
    await cluster.deleteContainer(path);
  } catch (err) {
    if (err instanceof StoreError && err.code === 'CONFLICT') throw new S3Error('BucketNotEmpty', undefined, { BucketName: target.bucket });
    if (!(err instanceof StoreError && err.code === 'NOT_FOUND')) throw err;
  }
  await dropSegments(ctx, target.account, target.bucket);
  await ctx.deps.registry.release(target.bucket, target.account);
  ctx.reply.code(204).send();
}

/** Deletes the bucket's segments container and what is left in it (bounded passes). */
async function dropSegments(ctx: S3Context, account: string, bucket: string): Promise<void> {
  const { cluster } = ctx.deps;
  const path = { account, container: segmentsContainer(bucket) };
  for (let pass = 0; pass < 100; pass++) {
    let entries;
    try {
      entries = await cluster.listContainer(path, { limit: 1000 });
    } catch (err) {
      if (err instanceof StoreError && err.code === 'NOT_FOUND') return;
      throw err;
    }
    if (entries.length === 0) break;
    for (const e of entries) {
      if (!('name' in e)) continue;
      await cluster.deleteObject({ ...path, object: e.name }).catch((err: unknown) => {
        if (!(err instanceof StoreError && err.code === 'NOT_FOUND')) throw err;
      });
    }
  }
  await cluster.deleteContainer(path).catch((err: unknown) => {
    ctx.deps.log.warn({ err, bucket }, 'cannot delete segments container');
  });
}
