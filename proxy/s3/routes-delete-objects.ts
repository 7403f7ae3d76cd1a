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
const DELETE_CONCURRENCY = 8;

/** @throws S3Error MalformedXML (also for more than 1,000 keys), AccessDenied, NoSuchBucket */
export async function deleteObjects(ctx: S3Context): Promise<void> {
  const target = await resolveBucket(ctx, 'write');
  const doc = parseXml(await readRequestDocument(ctx.request.raw, ctx.request.headers, ctx.payload, MAX_BODY_BYTES), 'Delete');
  const quiet = String(doc.Quiet ?? 'false').toLowerCase() === 'true';
  const objects = (doc.Object ?? []) as Array<Record<string, unknown>>;
  if (!Array.isArray(objects) || objects.length === 0 || objects.length > MAX_KEYS) {
    throw new S3Error('MalformedXML', `A Delete request names 1 to ${MAX_KEYS} objects`);
  }
  const keys = objects.map((o) => {
    if (typeof o.Key !== 'string' || o.Key === '') throw new S3Error('MalformedXML', 'Every Object needs a Key');
    return { key: o.Key, versionId: typeof o.VersionId === 'string' ? o.VersionId : undefined };
  });
  const results: Array<{ ok: XmlNode } | { error: XmlNode }> = new Array(keys.length);
  // A few deletes at a time: fast for 1,000 keys without an unbounded fan-out.
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < keys.length) {
      const i = next++;
      const { key, versionId } = keys[i]!;
      try {
        if (versionId !== undefined && versionId !== 'null') throw new S3Error('NoSuchKey', 'The specified version does not exist');
        await removeObject(ctx, target, key);
        results[i] = { ok: { Key: key, VersionId: versionId } };
      } catch (err) {
        const e = toS3Error(err);
        if (e.status >= 500) ctx.deps.log.error({ err, key }, 'multi-delete of one key failed');
        results[i] = { error: { Key: key, VersionId: versionId, Code: e.s3Code, Message: e.message } };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, keys.length) }, worker));
  const deleted = quiet ? [] : results.flatMap((r) => ('ok' in r ? [r.ok] : []));
  const errors = results.flatMap((r) => ('error' in r ? [r.error] : []));
  ctx.reply.code(200).type('application/xml').send(renderXml('DeleteResult', { Deleted: deleted, Error: errors }));
}
