/**
 * Object GET and HEAD: plain objects, SLO and DLO (stitched from their segments, streaming),
 * conditional requests (304/412), single ranges (206) and multiple ranges
 * (multipart/byteranges), ?multipart-manifest=get for the raw SLO manifest.
 */
import type { FastifyReply } from 'fastify';
import type { Readable } from 'node:stream';
import { StoreError } from '../../common/index.js';
import type { ObjectMeta } from '../../cluster/index.js';
import { parseRangeHeader, resolveRanges, type ResolvedRange } from '../large-objects/byte-range.js';
import { readSegments } from '../large-objects/segment-reader.js';
import { evaluateConditions } from './conditional.js';
import { SLO_LIMITS } from './constraints.js';
import { authorizeContainer, type SwiftContext } from './context.js';
import { withHeaders } from './errors.js';
import { lastModifiedMs } from './http-dates.js';
import {
  dloView, isDlo, isSlo, loadManifest, parseStoredManifest, readBounded, sloView, type LargeView,
} from './large-object.js';
import { multipartByteranges } from './multipart-byteranges.js';
import { objectHeaders, type ObjectView } from './object-headers.js';

/** Handles GET and HEAD of an object. */
export async function handleObjectRead(ctx: SwiftContext): Promise<FastifyReply> {
  const { request, reply, deps, path } = ctx;
  const opath = { account: path.account, container: path.container!, object: path.object! };
  await authorizeContainer(ctx, 'read', opath.account, opath.container);
  const cluster = deps.cluster;
  const isGet = request.method === 'GET';
  const rawManifest = path.query.get('multipart-manifest') === 'get';
  const ranges = isGet ? parseRangeHeader(request.headers.range) : undefined;

  let meta: ObjectMeta;
  let body: Readable | undefined;
  if (isGet && !ranges) {
    const got = await cluster.getObject(opath);
    meta = got.meta;
    body = got.body;
  } else {
    meta = await cluster.headObject(opath);
  }

  let large: LargeView | undefined;
  const sloSize = meta.metadata['x-object-sysmeta-slo-size'];
  const sloEtag = meta.metadata['x-object-sysmeta-slo-etag'];
  if (!rawManifest && isSlo(meta) && !isGet && sloSize !== undefined && sloEtag !== undefined) {
    // HEAD needs no segment list: the manifest's sysmeta has the size and ETag.
    large = { view: { meta, size: Number(sloSize), etag: sloEtag, etagHeader: `"${sloEtag}"` }, segments: [] };
  } else if (!rawManifest && isSlo(meta)) {
    if (body) {
      large = sloView(meta, parseStoredManifest(await readBounded(body, SLO_LIMITS.max_manifest_size)));
      body = undefined;
    } else {
      const loaded = await loadManifest(ctx, opath);
      large = sloView(loaded.meta, loaded.manifest);
    }
  } else if (!rawManifest && isDlo(meta)) {
    body?.destroy();
    body = undefined;
    large = await dloView(ctx, opath.account, meta);
  }
  const view: ObjectView = large?.view ?? { meta, size: meta.size, etag: meta.etag, etagHeader: meta.etag };
  const headers = objectHeaders(view);
  if (rawManifest && isSlo(meta)) headers['content-type'] = 'application/json; charset=utf-8';

  const cond = evaluateConditions(request.headers, request.method, view.etag, lastModifiedMs(meta.metaTimestamp));
  if (cond !== 'ok') {
    body?.destroy();
    if (cond === 412) throw new StoreError('PRECONDITION_FAILED', 'Cannot serve object: precondition failed');
    return reply.code(304).headers({ etag: headers.etag!, 'last-modified': headers['last-modified']! }).send();
  }
  reply.headers(headers);
  if (!isGet) return reply.code(200).header('content-length', String(view.size)).send();

  const open = async (r?: ResolvedRange): Promise<Readable> => {
    if (large) return readSegments(cluster, opath.account, large.segments, r ? { range: r } : {});
    return (await cluster.getObject(r ? { ...opath, range: r } : opath)).body;
  };
  if (!ranges) {
    return reply.code(200).header('content-length', String(view.size)).send(body ?? await open());
  }
  let resolved: ResolvedRange[];
  try {
    resolved = resolveRanges(ranges, view.size);
  } catch (err) {
    throw withHeaders(err as StoreError, { 'content-range': `bytes */${view.size}` });
  }
  if (resolved.length === 1) {
    const r = resolved[0]!;
    const stream = await open(r);
    return reply.code(206)
      .header('content-range', `bytes ${r.start}-${r.end}/${view.size}`)
      .header('content-length', String(r.end - r.start + 1))
      .send(stream);
  }
  const mp = multipartByteranges(resolved, view.size, headers['content-type']!, open);
  return reply.code(206).header('content-type', mp.contentType).header('content-length', String(mp.contentLength)).send(mp.body);
}
