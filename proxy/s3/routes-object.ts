/**
 * Object operations: PutObject, GetObject, HeadObject, DeleteObject. Bodies stream between the
 * client and the cluster; conditional and range headers follow S3's rules.
 */
import type { ObjectPath } from '../../cluster/index.js';
import { StoreError } from '../../common/index.js';
import { checkObjectRead, resolveBucket, type ResolvedBucket } from './access.js';
import { checksumHeader } from './checksums.js';
import { evaluateConditions, parseRange, resolveRange } from './conditions.js';
import { header, type S3Context } from './context.js';
import { S3Error, mapNotFound } from './errors.js';
import { checksumMetadata, DEFAULT_CONTENT_TYPE, metadataFromHeaders, writeObjectHeaders } from './object-headers.js';
import { S3_ETAG_KEY, isManifest, openObject, readManifest, splitSegmentName, viewOf, type ObjectView } from './object-reader.js';
import { uploadBody } from './upload-body.js';

function pathOf(target: ResolvedBucket, key: string): ObjectPath {
  return { account: target.account, container: target.bucket, object: key };
}

/** PUT /bucket/key: streams the body (decoded and verified) to the cluster. */
export async function putObject(ctx: S3Context): Promise<void> {
  const target = await resolveBucket(ctx, 'write');
  const headers = ctx.request.headers;
  const metadata = { ...metadataFromHeaders(headers), ...checksumMetadata(headers) };
  const up = uploadBody(ctx.request.raw, headers, ctx.payload);
  // Overwriting a multipart object must free its parts; find them while the body streams.
  const replaced = multipartSegments(ctx, target, ctx.key!).catch(() => []);
  let etag: string;
  try {
    ({ etag } = await ctx.deps.cluster.putObject({
      ...pathOf(target, ctx.key!), body: up.body, contentType: header(ctx, 'content-type') ?? DEFAULT_CONTENT_TYPE,
      metadata, contentLength: up.contentLength, expectedEtag: up.expectedMd5,
      ifNoneMatchAny: header(ctx, 'if-none-match')?.trim() === '*',
    }));
  } catch (err) {
    throw putError(up.error(), err);
  }
  await dropSegments(ctx, target, await replaced);
  ctx.reply.header('etag', `"${etag}"`);
  if (up.checksum?.value) ctx.reply.header(checksumHeader(up.checksum.algorithm), up.checksum.value);
  ctx.reply.code(200).send();
}

/** Prefers the body pipeline's own error (bad signature, checksum) over the cluster's view of it. */
export function putError(bodyError: unknown, err: unknown): unknown {
  if (bodyError instanceof S3Error) return bodyError;
  if (err instanceof StoreError && err.code === 'NOT_FOUND') return new S3Error('NoSuchBucket');
  return err;
}

function applyConditions(ctx: S3Context, view: ObjectView): boolean {
  const outcome = evaluateConditions((n) => header(ctx, n), view.etag, view.lastModifiedMs);
  if (outcome === 'failed') throw new S3Error('PreconditionFailed', undefined, { Condition: 'If-Match' });
  if (outcome === 'not-modified') {
    ctx.reply.header('etag', `"${view.etag}"`).header('last-modified', new Date(view.lastModifiedMs).toUTCString());
    ctx.reply.code(304).send();
    return false;
  }
  return true;
}

/** GET /bucket/key with Range, conditional headers and response-* overrides. */
export async function getObject(ctx: S3Context): Promise<void> {
  const target = await resolveBucket(ctx, 'read');
  const range = parseRange(header(ctx, 'range'));
  const opened = await mapNotFound(() => openObject(ctx.deps.cluster, pathOf(target, ctx.key!), range), 'NoSuchKey');
  try {
    checkObjectRead(target, opened.view.meta);
    if (!applyConditions(ctx, opened.view)) {
      opened.body.destroy();
      return;
    }
  } catch (err) {
    opened.body.destroy();
    throw err;
  }
  writeObjectHeaders(ctx.reply, opened.view, ctx.query, header(ctx, 'x-amz-checksum-mode') === 'ENABLED' && !opened.range);
  if (opened.range) {
    ctx.reply.code(206).header('content-range', `bytes ${opened.range.start}-${opened.range.end}/${opened.view.size}`);
    ctx.reply.header('content-length', String(opened.range.end - opened.range.start + 1));
  } else {
    ctx.reply.code(200).header('content-length', String(opened.view.size));
  }
  return ctx.reply.send(opened.body);
}

/** HEAD /bucket/key: headers only, from stored metadata. */
export async function headObject(ctx: S3Context): Promise<void> {
  const target = await resolveBucket(ctx, 'read');
  const meta = await mapNotFound(() => ctx.deps.cluster.headObject(pathOf(target, ctx.key!)), 'NoSuchKey');
  checkObjectRead(target, meta);
  const view = viewOf(meta);
  if (!applyConditions(ctx, view)) return;
  writeObjectHeaders(ctx.reply, view, ctx.query, header(ctx, 'x-amz-checksum-mode') === 'ENABLED');
  const range = parseRange(header(ctx, 'range'));
  if (range) {
    const r = resolveRange(range, view.size);
    ctx.reply.code(206).header('content-range', `bytes ${r.start}-${r.end}/${view.size}`);
    ctx.reply.header('content-length', String(r.end - r.start + 1));
  } else {
    ctx.reply.code(200).header('content-length', String(view.size));
  }
  ctx.reply.send();
}

/** DELETE /bucket/key: 204 whether or not it existed; a multipart object's parts go too. */
export async function deleteObject(ctx: S3Context): Promise<void> {
  const target = await resolveBucket(ctx, 'write');
  await removeObject(ctx, target, ctx.key!);
  ctx.reply.code(204).send();
}

/**
 * Deletes an object and, for a completed multipart upload, its segments. A missing object is
 * not an error (S3 semantics).
 */
export async function removeObject(ctx: S3Context, target: ResolvedBucket, key: string): Promise<void> {
  const path = pathOf(target, key);
  const segments = await multipartSegments(ctx, target, key);
  try {
    await ctx.deps.cluster.deleteObject(path);
  } catch (err) {
    if (!(err instanceof StoreError && err.code === 'NOT_FOUND')) throw err;
  }
  await dropSegments(ctx, target, segments);
}

/**
 * The segment names ("/container/object") of the S3 multipart object at `key`, or none. Only
 * our own multipart objects count: a Swift SLO's segments belong to whoever uploaded them.
 */
export async function multipartSegments(ctx: S3Context, target: ResolvedBucket, key: string): Promise<string[]> {
  const { cluster } = ctx.deps;
  const path = pathOf(target, key);
  try {
    const meta = await cluster.headObject(path);
    if (!isManifest(meta) || meta.metadata[S3_ETAG_KEY] === undefined) return [];
    return (await readManifest((await cluster.getObject(path)).body)).map((s) => s.name);
  } catch (err) {
    if (err instanceof StoreError && err.code === 'NOT_FOUND') return [];
    throw err;
  }
}

/** Deletes segments by name; failures are logged for an operator, not failed to the client. */
export async function dropSegments(ctx: S3Context, target: ResolvedBucket, names: string[]): Promise<void> {
  for (const name of names) {
    try {
      await ctx.deps.cluster.deleteObject({ account: target.account, ...splitSegmentName(name) });
    } catch (err) {
      if (!(err instanceof StoreError && err.code === 'NOT_FOUND')) ctx.deps.log.warn({ err, segment: name }, 'cannot delete segment');
    }
  }
}
