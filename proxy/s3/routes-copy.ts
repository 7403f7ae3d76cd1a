/**
 * CopyObject (PUT with x-amz-copy-source) and the source side shared with UploadPartCopy: the
 * source is read as a stream (multipart sources included) and written as a new object; the
 * x-amz-copy-source-if-* conditions are checked before any byte moves.
 */
import { timestampToMs } from '../../common/index.js';
import { checkObjectRead, resolveBucket } from './access.js';
import { evaluateConditions, parseCopyRange } from './conditions.js';
import { header, type S3Context } from './context.js';
import { S3Error, mapNotFound } from './errors.js';
import { copyableMetadata, DEFAULT_CONTENT_TYPE, metadataFromHeaders } from './object-headers.js';
import { openObject, viewOf, type OpenedObject } from './object-reader.js';
import { putError } from './routes-object.js';
import { isoDate, renderXml } from './xml.js';

export interface CopySource {
  bucket: string;
  key: string;
}

/** Parses x-amz-copy-source ("/bucket/key" or "bucket/key", URL-encoded, optional ?versionId). */
export function parseCopySource(value: string | undefined): CopySource {
  if (value === undefined) throw new S3Error('InvalidArgument', 'x-amz-copy-source is missing');
  const [pathPart, query] = value.split('?', 2);
  if (query !== undefined && query !== '' && query !== 'versionId=null') {
    throw new S3Error('InvalidArgument', 'Only versionId "null" exists in an unversioned bucket', { ArgumentName: 'x-amz-copy-source' });
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathPart ?? '');
  } catch {
    throw new S3Error('InvalidArgument', 'x-amz-copy-source has malformed percent-encoding', { ArgumentName: 'x-amz-copy-source' });
  }
  if (decoded.startsWith('/')) decoded = decoded.slice(1);
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) {
    throw new S3Error('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey', { ArgumentName: 'x-amz-copy-source' });
  }
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
}

/**
 * Opens the copy source (optionally a range, for UploadPartCopy) after checking read access
 * and the copy-source conditions.
 * @throws S3Error NoSuchBucket, NoSuchKey, AccessDenied, PreconditionFailed, InvalidRange
 */
export async function openCopySource(ctx: S3Context, withRange: boolean): Promise<{ source: CopySource; opened: OpenedObject }> {
  const source = parseCopySource(header(ctx, 'x-amz-copy-source'));
  const target = await resolveBucket(ctx, 'read', source.bucket);
  const path = { account: target.account, container: target.bucket, object: source.key };
  const meta = await mapNotFound(() => ctx.deps.cluster.headObject(path), 'NoSuchKey');
  checkObjectRead(target, meta);
  const view = viewOf(meta);
  if (evaluateConditions((n) => header(ctx, n), view.etag, view.lastModifiedMs, 'x-amz-copy-source-if-') !== 'ok') {
    throw new S3Error('PreconditionFailed', undefined, { Condition: 'x-amz-copy-source-If-Match' });
  }
  const range = withRange ? parseCopyRange(header(ctx, 'x-amz-copy-source-range'), view.size) : undefined;
  const opened = await mapNotFound(() => openObject(ctx.deps.cluster, path, range), 'NoSuchKey');
  return { source, opened };
}

/** PUT /bucket/key with x-amz-copy-source. */
export async function copyObject(ctx: S3Context): Promise<void> {
  const target = await resolveBucket(ctx, 'write');
  const directive = header(ctx, 'x-amz-metadata-directive') ?? 'COPY';
  if (directive !== 'COPY' && directive !== 'REPLACE') {
    throw new S3Error('InvalidArgument', 'Unknown metadata directive', { ArgumentName: 'x-amz-metadata-directive', ArgumentValue: directive });
  }
  const requested = metadataFromHeaders(ctx.request.headers);
  const source = parseCopySource(header(ctx, 'x-amz-copy-source'));
  if (source.bucket === target.bucket && source.key === ctx.key && directive === 'COPY' && header(ctx, 'x-amz-acl') === undefined
    && header(ctx, 'x-amz-storage-class') === undefined) {
    throw new S3Error('InvalidRequest', 'This copy request is illegal because it is trying to copy an object to itself without changing the object\'s metadata, storage class, website redirect location or encryption attributes.');
  }
  const { opened } = await openCopySource(ctx, false);
  const src = opened.view.meta;
  const metadata = directive === 'COPY' ? { ...copyableMetadata(src.metadata), ...aclOnly(requested) } : requested;
  const contentType = directive === 'COPY' ? src.contentType : (header(ctx, 'content-type') ?? DEFAULT_CONTENT_TYPE);
  let result;
  try {
    result = await ctx.deps.cluster.putObject({
      account: target.account, container: target.bucket, object: ctx.key!, body: opened.body, contentType, metadata,
      contentLength: opened.view.size,
    });
  } catch (err) {
    opened.body.destroy();
    throw putError(undefined, err);
  }
  ctx.reply.code(200).type('application/xml').send(renderXml('CopyObjectResult', {
    LastModified: isoDate(timestampToMs(result.timestamp)), ETag: `"${result.etag}"`,
  }));
}

function aclOnly(metadata: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata).filter(([k]) => k.startsWith('x-object-sysmeta-s3-acl')));
}
