/**
 * DeleteObjects (POST /bucket?delete): up to 1,000 keys in one request; each key's outcome is
 * reported on its own, and Quiet mode reports errors only.
 */
import { resolveBucket } from './access.js';
import type { S3Context } from './context.js';
import { S3Error, toS3Error } from './errors.js';
import { removeObject } from './routes-object.js';
import { parseXml, renderXml, type XmlNode } from './xml.js';
import { readRequestDocument } from './upload-body.js';

const MAX_KEYS = 1000;
const MAX_BODY_BYTES = 2 * 1024 * 1024;

/** @throws S3Error MalformedXML (also for more than 1,000 keys), AccessDenied, NoSuchBucket */
export async function deleteObjects(ctx: S3Context): Promise<void> {
  const target = await resolveBucket(ctx, 'write');
  const doc = parseXml(await readRequestDocument(ctx.request.raw, ctx.request.headers, ctx.payload, MAX_BODY_BYTES), 'Delete');
  const quiet = String(doc.Quiet ?? 'false').toLowerCase() === 'true';
  const objects = (doc.Object ?? []) as Array<Record<string, unknown>>;
  if (!Array.isArray(objects) || objects.length === 0 || objects.length > MAX_KEYS) {
    throw new S3Error('MalformedXML', `A Delete request names 1 to ${MAX_KEYS} objects`);
  }
  const deleted: XmlNode[] = [];
  const errors: XmlNode[] = [];
  for (const o of objects) {
    const key = o.Key;
    if (typeof key !== 'string' || key === '') throw new S3Error('MalformedXML', 'Every Object needs a Key');
    const versionId = typeof o.VersionId === 'string' ? o.VersionId : undefined;
    try {
      if (versionId !== undefined && versionId !== 'null') throw new S3Error('NoSuchKey', 'The specified version does not exist');
      await removeObject(ctx, target, key);
      if (!quiet) deleted.push({ Key: key, VersionId: versionId });
    } catch (err) {
      const e = toS3Error(err);
      if (e.status >= 500) ctx.deps.log.error({ err, key }, 'multi-delete of one key failed');
      errors.push({ Key: key, VersionId: versionId, Code: e.s3Code, Message: e.message });
    }
  }
  ctx.reply.code(200).type('application/xml').send(renderXml('DeleteResult', { Deleted: deleted, Error: errors }));
}
