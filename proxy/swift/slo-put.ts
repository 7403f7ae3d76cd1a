/**
 * Static Large Object writes: ?multipart-manifest=put (the JSON list `swift upload --use-slo`
 * sends: path, etag, size_bytes, optional range), validated segment by segment and stored in
 * Swift's own manifest format; ?multipart-manifest=delete removes the segments, then the
 * manifest. Nested SLOs (a segment that is itself an SLO) are refused.
 */
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { StoreError, timestampToMs } from '../../common/index.js';
import { parseRangeHeader, resolveRange } from '../large-objects/byte-range.js';
import { combinedEtag, totalSize } from '../large-objects/segment-reader.js';
import { SLO_LIMITS } from './constraints.js';
import { authorizeContainer, type SwiftContext } from './context.js';
import { httpDate } from './http-dates.js';
import {
  isSlo, loadManifest, readBounded, segmentsOfManifest, splitSegmentName, type StoredSegment,
} from './large-object.js';
import { isoMicros } from './listing.js';
import { metadataFromHeaders } from './metadata-headers.js';
import { contentTypeFor, deleteAtFromHeaders, unquote } from './object-headers.js';

interface PutSegment { path: string; etag?: string | null; size_bytes?: number | null; range?: string }

function parsePutManifest(body: Buffer): PutSegment[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new StoreError('INVALID_ARGUMENT', 'Manifest must be valid JSON');
  }
  if (!Array.isArray(parsed) || parsed.length === 0) throw new StoreError('INVALID_ARGUMENT', 'Manifest must be a non-empty list');
  if (parsed.length > SLO_LIMITS.max_manifest_segments) {
    throw new StoreError('INVALID_ARGUMENT', `Too many segments: ${parsed.length} (max ${SLO_LIMITS.max_manifest_segments})`);
  }
  for (const [i, s] of parsed.entries()) {
    const seg = s as Partial<PutSegment> | null;
    const ok = typeof seg === 'object' && seg !== null && typeof seg.path === 'string'
      && (seg.etag == null || typeof seg.etag === 'string')
      && (seg.size_bytes == null || (typeof seg.size_bytes === 'number' && Number.isInteger(seg.size_bytes)))
      && (seg.range === undefined || typeof seg.range === 'string');
    if (!ok) throw new StoreError('INVALID_ARGUMENT', `Index ${i}: invalid segment`);
  }
  return parsed as PutSegment[];
}

async function validateSegment(ctx: SwiftContext, seg: PutSegment): Promise<StoredSegment | string> {
  let ref: { container: string; object: string };
  try {
    ref = splitSegmentName(seg.path);
  } catch {
    return 'Invalid segment path';
  }
  await authorizeContainer(ctx, 'read', ctx.path.account, ref.container);
  let head;
  try {
    head = await ctx.deps.cluster.headObject({ account: ctx.path.account, ...ref });
  } catch (err) {
    if (err instanceof StoreError && err.code === 'NOT_FOUND') return '404 Not Found';
    throw err;
  }
  if (isSlo(head)) return 'Nested static large objects are not supported';
  if (seg.etag != null && unquote(seg.etag) !== head.etag) return 'Etag Mismatch';
  if (seg.size_bytes != null && seg.size_bytes !== head.size) return 'Size Mismatch';
  if (head.size < SLO_LIMITS.min_segment_size) return 'Too small; each segment must be at least 1 byte.';
  const stored: StoredSegment = {
    name: `/${ref.container}/${ref.object}`, bytes: head.size, hash: head.etag,
    content_type: head.contentType, last_modified: isoMicros(timestampToMs(head.timestamp)),
  };
  if (seg.range !== undefined) {
    const ranges = parseRangeHeader(`bytes=${seg.range}`, 1);
    if (!ranges) return 'Invalid range';
    try {
      const r = resolveRange(ranges[0]!, head.size);
      stored.range = `${r.start}-${r.end}`;
    } catch {
      return 'Unsatisfiable range';
    }
  }
  return stored;
}

/** Handles PUT ?multipart-manifest=put. */
export async function putSlo(ctx: SwiftContext): Promise<FastifyReply> {
  const { request, reply, deps, path } = ctx;
  const opath = { account: path.account, container: path.container!, object: path.object! };
  await authorizeContainer(ctx, 'write', opath.account, opath.container);
  const segments = parsePutManifest(await readBounded(request.raw, SLO_LIMITS.max_manifest_size));
  const stored: StoredSegment[] = [];
  const problems: string[] = [];
  // Bounded parallelism: a manifest may name 1000 segments.
  for (let i = 0; i < segments.length; i += 10) {
    const results = await Promise.all(segments.slice(i, i + 10).map((s) => validateSegment(ctx, s)));
    results.forEach((r, j) => {
      if (typeof r === 'string') problems.push(`${segments[i + j]!.path}, ${r}`);
      else stored.push(r);
    });
  }
  if (problems.length > 0) throw new StoreError('INVALID_ARGUMENT', `Errors:\n${problems.join('\n')}`);
  const refs = segmentsOfManifest(stored);
  const sloEtag = combinedEtag(refs);
  const h = request.headers;
  if (h.etag && unquote(h.etag) !== sloEtag) {
    throw new StoreError('CHECKSUM_MISMATCH', `Cannot store manifest: ETag "${sloEtag}" differs from "${unquote(h.etag)}"`);
  }
  const metadata = {
    ...metadataFromHeaders(h, 'object', deps.limits),
    'x-static-large-object': 'True',
    'x-object-sysmeta-slo-etag': sloEtag,
    'x-object-sysmeta-slo-size': String(totalSize(refs)),
  };
  const deleteAtMs = deleteAtFromHeaders(h, deps.nowMs());
  const manifest = Buffer.from(JSON.stringify(stored));
  const res = await deps.cluster.putObject({
    ...opath, body: Readable.from([manifest]), contentLength: manifest.length,
    contentType: contentTypeFor(h, opath.object), metadata,
    ...(deleteAtMs !== undefined ? { deleteAtMs } : {}),
  });
  return reply.code(201)
    .headers({ etag: `"${sloEtag}"`, 'last-modified': httpDate(res.timestamp), 'content-type': 'text/html; charset=UTF-8' })
    .send('');
}

/** Handles DELETE ?multipart-manifest=delete (segments first, then the manifest). */
export async function deleteSlo(ctx: SwiftContext): Promise<FastifyReply> {
  const { request, reply, deps, path } = ctx;
  const opath = { account: path.account, container: path.container!, object: path.object! };
  const head = await deps.cluster.headObject(opath);
  if (!isSlo(head)) {
    await deps.cluster.deleteObject(opath);
    return reply.code(204).send();
  }
  const { manifest } = await loadManifest(ctx, opath);
  let deleted = 0;
  let notFound = 0;
  for (const seg of segmentsOfManifest(manifest)) {
    await authorizeContainer(ctx, 'write', opath.account, seg.container);
    try {
      await deps.cluster.deleteObject({ account: opath.account, container: seg.container, object: seg.object });
      deleted++;
    } catch (err) {
      if (!(err instanceof StoreError && err.code === 'NOT_FOUND')) throw err;
      notFound++;
    }
  }
  await deps.cluster.deleteObject(opath);
  deleted++;
  const result = { 'Number Deleted': deleted, 'Number Not Found': notFound, 'Response Body': '', 'Response Status': '200 OK', Errors: [] };
  if ((request.headers.accept ?? '').includes('application/json')) {
    return reply.code(200).type('application/json; charset=utf-8').send(JSON.stringify(result));
  }
  const text = `Number Deleted: ${deleted}\nNumber Not Found: ${notFound}\nResponse Body: \nResponse Status: 200 OK\nErrors: \n`;
  return reply.code(200).type('text/plain; charset=utf-8').send(text);
}
