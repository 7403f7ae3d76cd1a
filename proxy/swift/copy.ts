/**
 * Server-side copy: COPY with Destination (+ Destination-Account) and PUT with X-Copy-From
 * (+ X-Copy-From-Account). The body streams from the source to the new object. A large
 * object's content is copied as one plain object, unless ?multipart-manifest=get asks for the
 * manifest itself. Metadata: the source's user metadata plus the request's, or the request's
 * only with X-Fresh-Metadata: true.
 */
import type { FastifyReply } from 'fastify';
import type { Readable } from 'node:stream';
import { StoreError } from '../../common/index.js';
import type { ObjectPath } from '../../cluster/index.js';
import { readSegments } from '../large-objects/segment-reader.js';
import { authorizeContainer, type SwiftContext } from './context.js';
import { cleanContentType } from '../large-objects/content-type-params.js';
import { httpDate } from './http-dates.js';
import { dloView, isDlo, isSlo, loadManifest, sloView, type LargeView } from './large-object.js';
import { metadataFromHeaders } from './metadata-headers.js';
import { deleteAtFromHeaders } from './object-headers.js';
import { parseContainerObject } from './path.js';

/**
 * The object named by X-Copy-From (or `header`), with its -Account companion; undefined when
 * the header is absent.
 * @throws SwiftStatusError 412 when malformed
 */
export function copySourceFromHeader(ctx: SwiftContext, header: 'x-copy-from' | 'destination' = 'x-copy-from'): ObjectPath | undefined {
  const v = ctx.request.headers[header];
  if (typeof v !== 'string' || v === '') return undefined;
  const ref = parseContainerObject(v, header === 'destination' ? 'Destination' : 'X-Copy-From');
  const accountHeader = ctx.request.headers[`${header}-account`];
  const account = typeof accountHeader === 'string' && accountHeader !== '' ? decodeURIComponent(accountHeader) : ctx.path.account;
  return { account, ...ref };
}

function isUserMeta(key: string): boolean {
  return key.startsWith('x-object-meta-') || ['content-disposition', 'content-encoding', 'content-language', 'cache-control', 'expires'].includes(key);
}

/** Copies `src` to `dst`; answers 201 like Swift. */
export async function copyObject(ctx: SwiftContext, src: ObjectPath, dst: ObjectPath): Promise<FastifyReply> {
  const { request, reply, deps, path } = ctx;
  await authorizeContainer(ctx, 'read', src.account, src.container);
  await authorizeContainer(ctx, 'write', dst.account, dst.container);
  const cluster = deps.cluster;
  const rawManifest = path.query.get('multipart-manifest') === 'get';
  const srcMeta = await cluster.headObject(src);
  let large: LargeView | undefined;
  if (!rawManifest && isSlo(srcMeta)) {
    const loaded = await loadManifest(ctx, src);
    large = sloView(loaded.meta, loaded.manifest);
  } else if (!rawManifest && isDlo(srcMeta)) {
    large = await dloView(ctx, src.account, srcMeta);
  }
  const size = large ? large.view.size : srcMeta.size;
  if (size > deps.limits.max_file_size) throw new StoreError('TOO_LARGE', `Cannot copy ${size} bytes: over ${deps.limits.max_file_size}`);

  const fresh = String(request.headers['x-fresh-metadata'] ?? '').toLowerCase() === 'true';
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(srcMeta.metadata)) {
    const keepMarker = !large && (k.includes('-sysmeta-') || k === 'x-static-large-object' || k === 'x-object-manifest');
    if (keepMarker || (!fresh && isUserMeta(k))) metadata[k] = v;
  }
  Object.assign(metadata, metadataFromHeaders(request.headers, 'object', deps.limits));
  const deleteAtMs = deleteAtFromHeaders(request.headers, deps.nowMs());

  let body: Readable;
  if (large) body = readSegments(cluster, src.account, large.segments);
  else body = (await cluster.getObject(src)).body;
  const res = await cluster.putObject({
    ...dst, body, contentLength: size, metadata,
    // An assembled large object is a plain object now: its manifest's size/ETag parameters go.
    contentType: request.headers['content-type'] ?? (large ? cleanContentType(srcMeta.contentType).contentType : srcMeta.contentType),
    ...(deleteAtMs !== undefined ? { deleteAtMs } : {}),
  });
  const headers: Record<string, string> = {
    etag: res.etag,
    'last-modified': httpDate(res.timestamp),
    'x-copied-from': `${encodeURIComponent(src.container)}/${encodeURIComponent(src.object)}`,
    'x-copied-from-last-modified': httpDate(srcMeta.metaTimestamp),
    'content-type': 'text/html; charset=UTF-8',
  };
  if (src.account !== path.account || dst.account !== path.account) headers['x-copied-from-account'] = src.account;
  return reply.code(201).headers(headers).send('');
}
