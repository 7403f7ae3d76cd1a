/**
 * Multipart upload: create, upload part (streamed to the segments container), upload part copy,
 * list parts, list uploads, complete (a manifest naming the parts; ETag "md5-of-md5s-N") and
 * abort. Parts are never held in memory; incomplete uploads never show in bucket listings.
 */
import { createHash } from 'node:crypto';
import { timestampToMs } from '../../common/index.js';
import { Readable } from 'node:stream';
import { checkOwner, resolveBucket, type ResolvedBucket } from './access.js';
import { checksumHeader } from './checksums.js';
import { header, ownerOf, segmentsContainer, type S3Context } from './context.js';
import { S3Error } from './errors.js';
import {
  createUpload, deleteSegments, getUpload, listUploadMarkers, listUploadParts, markerName, MIN_PART_BYTES, newUploadId,
  parsePartNumber, partName, type UploadRef,
} from './multipart-store.js';
import { DEFAULT_CONTENT_TYPE, metadataFromHeaders } from './object-headers.js';
import { manifestContentType, S3_ETAG_KEY, SLO_KEY, SLO_SIZE_KEY } from './object-reader.js';
import { openCopySource } from './routes-copy.js';
import { dropSegments, multipartSegments, putError } from './routes-object.js';
import { parseMaxKeys } from './routes-list.js';
import { readRequestDocument, uploadBody } from './upload-body.js';
import { isoDate, parseXml, renderXml } from './xml.js';

async function ownedTarget(ctx: S3Context): Promise<ResolvedBucket> {
  const target = await resolveBucket(ctx, 'write');
  checkOwner(target);
  return target;
}

function refOf(target: ResolvedBucket, ctx: S3Context): UploadRef {
  return { account: target.account, bucket: target.bucket, key: ctx.key!, uploadId: ctx.query.get('uploadId') ?? '' };
}

/** POST /bucket/key?uploads */
export async function createMultipartUpload(ctx: S3Context): Promise<void> {
  const target = await ownedTarget(ctx);
  const ref = { account: target.account, bucket: target.bucket, key: ctx.key!, uploadId: newUploadId() };
  await createUpload(ctx.deps.cluster, ref, header(ctx, 'content-type') ?? DEFAULT_CONTENT_TYPE, metadataFromHeaders(ctx.request.headers));
  ctx.reply.code(200).type('application/xml').send(renderXml('InitiateMultipartUploadResult', {
    Bucket: target.bucket, Key: ctx.key!, UploadId: ref.uploadId,
  }));
}

/** PUT /bucket/key?partNumber=N&uploadId=U, with a body or x-amz-copy-source. */
export async function uploadPart(ctx: S3Context): Promise<void> {
  const target = await ownedTarget(ctx);
  const ref = refOf(target, ctx);
  const partNumber = parsePartNumber(ctx.query.get('partNumber'));
  await getUpload(ctx.deps.cluster, ref);
  const object = partName(ref, partNumber);
  const path = { account: target.account, container: segmentsContainer(target.bucket), object };
  if (ctx.request.headers['x-amz-copy-source'] !== undefined) {
    const { opened } = await openCopySource(ctx, true);
    const length = opened.range ? opened.range.end - opened.range.start + 1 : opened.view.size;
    let result;
    try {
      result = await ctx.deps.cluster.putObject({ ...path, body: opened.body, contentType: 'application/octet-stream', metadata: {}, contentLength: length });
    } catch (err) {
      opened.body.destroy();
      throw putError(undefined, err);
    }
    ctx.reply.code(200).type('application/xml').send(renderXml('CopyPartResult', {
      LastModified: isoDate(timestampToMs(result.timestamp)), ETag: `"${result.etag}"`,
    }));
    return;
  }
  const up = uploadBody(ctx.request.raw, ctx.request.headers, ctx.payload);
  let etag: string;
  try {
    ({ etag } = await ctx.deps.cluster.putObject({
      ...path, body: up.body, contentType: 'application/octet-stream', metadata: {}, contentLength: up.contentLength, expectedEtag: up.expectedMd5,
    }));
  } catch (err) {
    throw putError(up.error(), err);
  }
  ctx.reply.header('etag', `"${etag}"`);
  if (up.checksum?.value) ctx.reply.header(checksumHeader(up.checksum.algorithm), up.checksum.value);
  ctx.reply.code(200).send();
}

/** GET /bucket/key?uploadId=U */
export async function listParts(ctx: S3Context): Promise<void> {
  const target = await ownedTarget(ctx);
  const ref = refOf(target, ctx);
  await getUpload(ctx.deps.cluster, ref);
  const maxParts = parseMaxKeys(ctx.query.get('max-parts'), 'max-parts');
  const markerText = ctx.query.get('part-number-marker') ?? '0';
  if (!/^\d{1,5}$/.test(markerText)) throw new S3Error('InvalidArgument', 'part-number-marker must be an integer', { ArgumentName: 'part-number-marker' });
  const parts = await listUploadParts(ctx.deps.cluster, ref, Number(markerText), maxParts + 1);
  const truncated = parts.length > maxParts;
  const page = parts.slice(0, maxParts);
  ctx.reply.code(200).type('application/xml').send(renderXml('ListPartsResult', {
    Bucket: target.bucket, Key: ref.key, UploadId: ref.uploadId,
    Initiator: ownerOf(target.account), Owner: ownerOf(target.account), StorageClass: 'STANDARD',
    PartNumberMarker: Number(markerText), NextPartNumberMarker: page.length ? page[page.length - 1]!.partNumber : undefined,
    MaxParts: maxParts, IsTruncated: truncated,
    Part: page.map((p) => ({ PartNumber: p.partNumber, LastModified: isoDate(p.lastModifiedMs), ETag: `"${p.etag}"`, Size: p.size })),
  }));
}

/** GET /bucket?uploads */
export async function listMultipartUploads(ctx: S3Context): Promise<void> {
  const target = await ownedTarget(ctx);
  const prefix = ctx.query.get('prefix') ?? '';
  const keyMarker = ctx.query.get('key-marker') ?? '';
  const maxUploads = parseMaxKeys(ctx.query.get('max-uploads'), 'max-uploads');
  const found = await listUploadMarkers(ctx.deps.cluster, target.account, target.bucket, prefix, keyMarker, maxUploads + 1);
  const truncated = found.length > maxUploads;
  const page = found.slice(0, maxUploads);
  const last = page[page.length - 1];
  ctx.reply.code(200).type('application/xml').send(renderXml('ListMultipartUploadsResult', {
    Bucket: target.bucket, KeyMarker: keyMarker, UploadIdMarker: ctx.query.get('upload-id-marker') ?? '',
    NextKeyMarker: truncated ? last?.key : undefined, NextUploadIdMarker: truncated ? last?.uploadId : undefined,
    Prefix: prefix, MaxUploads: maxUploads, IsTruncated: truncated,
    Upload: page.map((u) => ({
      Key: u.key, UploadId: u.uploadId, Initiator: ownerOf(target.account), Owner: ownerOf(target.account),
      StorageClass: 'STANDARD', Initiated: isoDate(u.initiatedMs),
    })),
  }));
}

/** DELETE /bucket/key?uploadId=U: the parts and the marker go. */
export async function abortMultipartUpload(ctx: S3Context): Promise<void> {
  const target = await ownedTarget(ctx);
  const ref = refOf(target, ctx);
  await getUpload(ctx.deps.cluster, ref);
  const parts = await listUploadParts(ctx.deps.cluster, ref);
  await deleteSegments(ctx.deps.cluster, target.account, target.bucket, [...parts.map((p) => p.name), markerName(ref)]);
  ctx.reply.code(204).send();
}

interface RequestedPart { partNumber: number; etag: string }

function parseCompleteBody(text: string): RequestedPart[] {
  const doc = parseXml(text, 'CompleteMultipartUpload');
  const parts = doc.Part;
  if (!Array.isArray(parts) || parts.length === 0) throw new S3Error('MalformedXML', 'CompleteMultipartUpload needs at least one Part');
  const out: RequestedPart[] = [];
  for (const p of parts as Array<Record<string, unknown>>) {
    const n = p.PartNumber;
    const etag = p.ETag;
    if (typeof n !== 'string' || typeof etag !== 'string') throw new S3Error('MalformedXML', 'Every Part needs PartNumber and ETag');
    const partNumber = parsePartNumber(n.trim());
    if (out.length > 0 && partNumber <= out[out.length - 1]!.partNumber) throw new S3Error('InvalidPartOrder');
    out.push({ partNumber, etag: etag.trim().replace(/^"|"$/g, '').toLowerCase() });
  }
  return out;
}

/** POST /bucket/key?uploadId=U with the part list: writes the manifest object. */
export async function completeMultipartUpload(ctx: S3Context): Promise<void> {
  const target = await ownedTarget(ctx);
  const ref = refOf(target, ctx);
  const { cluster } = ctx.deps;
  const upload = await getUpload(cluster, ref);
  const requested = parseCompleteBody(await readRequestDocument(ctx.request.raw, ctx.request.headers, ctx.payload, 2 * 1024 * 1024));
  const stored = new Map((await listUploadParts(cluster, ref)).map((p) => [p.partNumber, p]));
  const chosen = requested.map((r, i) => {
    const part = stored.get(r.partNumber);
    if (!part || part.etag !== r.etag) throw new S3Error('InvalidPart', undefined, { PartNumber: String(r.partNumber), ETag: r.etag });
    if (i < requested.length - 1 && part.size < MIN_PART_BYTES) {
      throw new S3Error('EntityTooSmall', undefined, {
        ProposedSize: String(part.size), MinSizeAllowed: String(MIN_PART_BYTES), PartNumber: String(r.partNumber), ETag: r.etag,
      });
    }
    return part;
  });
  const s3Etag = `${createHash('md5').update(Buffer.concat(chosen.map((p) => Buffer.from(p.etag, 'hex')))).digest('hex')}-${chosen.length}`;
  const sloEtag = createHash('md5').update(chosen.map((p) => p.etag).join('')).digest('hex');
  const total = chosen.reduce((n, p) => n + p.size, 0);
  const segc = segmentsContainer(target.bucket);
  const manifest = JSON.stringify(chosen.map((p) => ({ name: `/${segc}/${p.name}`, hash: p.etag, bytes: p.size, content_type: 'application/octet-stream' })));
  const path = { account: target.account, container: target.bucket, object: ref.key };
  // A previous multipart object under this key would leave its parts behind.
  const replaced = await multipartSegments(ctx, target, ref.key);
  await cluster.putObject({
    ...path, body: Readable.from([Buffer.from(manifest)]), contentLength: Buffer.byteLength(manifest),
    contentType: manifestContentType(upload.contentType, total, s3Etag),
    metadata: {
      ...upload.metadata, [SLO_KEY]: 'True', [S3_ETAG_KEY]: s3Etag, [SLO_SIZE_KEY]: String(total),
      'x-object-sysmeta-slo-etag': sloEtag,
      'x-object-sysmeta-container-update-override-etag': s3Etag,
      'x-object-sysmeta-container-update-override-size': String(total),
    },
  });
  const used = new Set(chosen.map((p) => p.name));
  const unused = [...stored.values()].filter((p) => !used.has(p.name)).map((p) => p.name);
  await deleteSegments(cluster, target.account, target.bucket, [markerName(ref), ...unused]);
  await dropSegments(ctx, target, replaced);
  ctx.reply.code(200).type('application/xml').send(renderXml('CompleteMultipartUploadResult', {
    Location: `/${target.bucket}/${ref.key}`, Bucket: target.bucket, Key: ref.key, ETag: `"${s3Etag}"`,
  }));
}
