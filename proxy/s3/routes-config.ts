/**
 * Bucket configuration sub-resources that tools probe (location, versioning, CORS, lifecycle,
 * policy, tagging, website, accelerate, logging, ...) answered the way S3 answers a bucket that
 * has none of them, plus ACLs (canned private / public-read on buckets and objects).
 */
import { checkObjectRead, checkOwner, OBJECT_ACL_KEY, PUBLIC_READ_CONTAINER, resolveBucket } from './access.js';
import { header, ownerOf, type S3Context } from './context.js';
import { S3Error, mapNotFound, type S3ErrorCode } from './errors.js';
import { cannedAcl } from './object-headers.js';
import { parseXml, renderXml, type XmlNode } from './xml.js';
import { readRequestDocument } from './upload-body.js';

export const BUCKET_CONFIG_PARAMS = [
  'location', 'versioning', 'cors', 'lifecycle', 'policy', 'tagging', 'website', 'accelerate', 'acl', 'logging',
  'notification', 'requestPayment', 'encryption', 'object-lock', 'ownershipControls', 'publicAccessBlock',
  'replication', 'policyStatus', 'intelligent-tiering', 'analytics', 'metrics', 'inventory',
] as const;

const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';

/** Empty documents for configurations S3 reports even when unset. */
const EMPTY: Record<string, [string, XmlNode]> = {
  versioning: ['VersioningConfiguration', {}],
  accelerate: ['AccelerateConfiguration', {}],
  logging: ['BucketLoggingStatus', {}],
  notification: ['NotificationConfiguration', {}],
  requestPayment: ['RequestPaymentConfiguration', { Payer: 'BucketOwner' }],
};

/** Configurations S3 reports as a 404 of their own when unset. */
const MISSING: Record<string, S3ErrorCode> = {
  cors: 'NoSuchCORSConfiguration',
  lifecycle: 'NoSuchLifecycleConfiguration',
  policy: 'NoSuchBucketPolicy',
  tagging: 'NoSuchTagSet',
  website: 'NoSuchWebsiteConfiguration',
};

function subresource(ctx: S3Context): string {
  return BUCKET_CONFIG_PARAMS.find((p) => ctx.query.has(p)) ?? '';
}

/** GET of a bucket sub-resource (and GET /b/k?tagging). */
export async function bucketConfigGet(ctx: S3Context): Promise<void> {
  const target = await resolveBucket(ctx, 'read');
  const sub = subresource(ctx);
  if (ctx.key !== undefined) {
    // Object tagging: every object has an empty tag set.
    await mapNotFound(() => ctx.deps.cluster.headObject({ account: target.account, container: target.bucket, object: ctx.key! }), 'NoSuchKey');
    return sendXml(ctx, 'Tagging', { TagSet: {} });
  }
  checkOwner(target);
  if (sub === 'location') {
    const region = ctx.deps.region === 'us-east-1' ? '' : ctx.deps.region;
    return sendXml(ctx, 'LocationConstraint', { '#text': region });
  }
  if (sub === 'acl') return sendXml(ctx, 'AccessControlPolicy', aclBody(target.account, target.publicRead));
  if (sub === 'policyStatus') return sendXml(ctx, 'PolicyStatus', { IsPublic: false });
  const empty = EMPTY[sub];
  if (empty) return sendXml(ctx, empty[0], empty[1]);
  const missing = MISSING[sub];
  if (missing) throw new S3Error(missing, undefined, { BucketName: target.bucket });
  throw new S3Error('NotImplemented', `The bucket configuration "${sub}" is not supported`);
}

/** PUT of a bucket sub-resource: ACLs are applied, harmless settings accepted, others refused. */
export async function bucketConfigPut(ctx: S3Context): Promise<void> {
  const target = await resolveBucket(ctx, 'write');
  const sub = subresource(ctx);
  const body = await readRequestDocument(ctx.request.raw, ctx.request.headers, ctx.payload, 256 * 1024);
  if (ctx.key !== undefined) {
    // Object tagging is accepted and not kept (documented limitation).
    await mapNotFound(() => ctx.deps.cluster.headObject({ account: target.account, container: target.bucket, object: ctx.key! }), 'NoSuchKey');
    if (body.trim() !== '') parseXml(body, 'Tagging');
    return void ctx.reply.code(200).send();
  }
  if (sub === 'acl') {
    const acl = aclFromRequest(ctx, body);
    await ctx.deps.cluster.postContainer({ account: target.account, container: target.bucket }, {
      'x-container-read': acl === 'public-read' ? PUBLIC_READ_CONTAINER : '',
    });
    return void ctx.reply.code(200).send();
  }
  if (sub === 'versioning') {
    const conf = parseXml(body, 'VersioningConfiguration');
    if (conf.Status === 'Enabled') throw new S3Error('NotImplemented', 'Bucket versioning is not supported');
    return void ctx.reply.code(200).send();
  }
  throw new S3Error('NotImplemented', `Setting the bucket configuration "${sub}" is not supported`);
}

/** DELETE of a bucket sub-resource: nothing is stored, so there is nothing to remove. */
export async function bucketConfigDelete(ctx: S3Context): Promise<void> {
  await resolveBucket(ctx, 'write');
  ctx.reply.code(204).send();
}

/** GET /bucket/key?acl */
export async function getObjectAcl(ctx: S3Context): Promise<void> {
  const target = await resolveBucket(ctx, 'read');
  const meta = await mapNotFound(() => ctx.deps.cluster.headObject({ account: target.account, container: target.bucket, object: ctx.key! }), 'NoSuchKey');
  checkObjectRead(target, meta);
  sendXml(ctx, 'AccessControlPolicy', aclBody(target.account, meta.metadata[OBJECT_ACL_KEY] === 'public-read'));
}

/** PUT /bucket/key?acl with x-amz-acl or an AccessControlPolicy document. */
export async function putObjectAcl(ctx: S3Context): Promise<void> {
  const target = await resolveBucket(ctx, 'write');
  const body = await readRequestDocument(ctx.request.raw, ctx.request.headers, ctx.payload, 256 * 1024);
  const path = { account: target.account, container: target.bucket, object: ctx.key! };
  const meta = await mapNotFound(() => ctx.deps.cluster.headObject(path), 'NoSuchKey');
  const acl = aclFromRequest(ctx, body);
  const metadata = { ...meta.metadata };
  if (acl === 'public-read') metadata[OBJECT_ACL_KEY] = acl;
  else delete metadata[OBJECT_ACL_KEY];
  await ctx.deps.cluster.postObject({ ...path, metadata, contentType: meta.contentType });
  ctx.reply.code(200).send();
}

function aclFromRequest(ctx: S3Context, body: string): 'private' | 'public-read' {
  const canned = cannedAcl(header(ctx, 'x-amz-acl'));
  if (canned) return canned;
  if (body.trim() === '') throw new S3Error('MalformedXML', 'An ACL needs x-amz-acl or an AccessControlPolicy document');
  const doc = parseXml(body, 'AccessControlPolicy');
  const grants = ((doc.AccessControlList as Record<string, unknown> | undefined)?.Grant ?? []) as Array<Record<string, unknown>>;
  const publicRead = grants.some((g) => JSON.stringify(g.Grantee ?? {}).includes(ALL_USERS) && g.Permission === 'READ');
  return publicRead ? 'public-read' : 'private';
}

/** The ACL document: the owner has FULL_CONTROL; public-read adds READ for AllUsers. */
export function aclBody(account: string, publicRead: boolean): XmlNode {
  const grants: XmlNode[] = [{
    Grantee: { '@_xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance', '@_xsi:type': 'CanonicalUser', ...ownerOf(account) },
    Permission: 'FULL_CONTROL',
  }];
  if (publicRead) {
    grants.push({
      Grantee: { '@_xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance', '@_xsi:type': 'Group', URI: ALL_USERS },
      Permission: 'READ',
    });
  }
  return { Owner: ownerOf(account), AccessControlList: { Grant: grants } };
}

function sendXml(ctx: S3Context, root: string, body: XmlNode): void {
  ctx.reply.code(200).type('application/xml').send(renderXml(root, body));
}
