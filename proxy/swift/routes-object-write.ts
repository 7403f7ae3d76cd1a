/**
 * Object PUT (streamed to the cluster; 411 without a length or chunked encoding, 413 over the
 * size limit, ETag check, If-None-Match: *, X-Delete-At/After), POST (metadata, 202) and DELETE
 * (204). PUTs with ?multipart-manifest=put go to slo-put.ts, PUTs with X-Copy-From to copy.ts.
 */
import type { FastifyReply } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { StoreError } from '../../common/index.js';
import { authorizeContainer, type SwiftContext } from './context.js';
import { SwiftStatusError } from './errors.js';
import { httpDate } from './http-dates.js';
import { isDlo, isSlo } from './large-object.js';
import { metadataFromHeaders } from './metadata-headers.js';
import { contentTypeFor, deleteAtFromHeaders, unquote } from './object-headers.js';
import { copyObject, copySourceFromHeader } from './copy.js';
import { deleteSlo, putSlo } from './slo-put.js';

/**
 * Caps a body of unknown length (chunked): more than `max` bytes fails it with TOO_LARGE. The
 * request stream itself is left intact (not destroyed), so the client still gets the 413.
 */
export function limitBody(body: Readable, max: number): Readable {
  async function* limited(): AsyncGenerator<Buffer> {
    let seen = 0;
    for await (const chunk of body.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      seen += chunk.length;
      if (seen > max) throw new StoreError('TOO_LARGE', `Cannot store object: body over ${max} bytes`);
      yield chunk;
    }
  }
  return Readable.from(limited());
}

/** A signal that fires when the client goes away before its request body is complete. */
export function abortOnDisconnect(req: IncomingMessage): AbortSignal {
  const ac = new AbortController();
  req.once('close', () => {
    if (!req.complete) ac.abort(new StoreError('INVALID_ARGUMENT', 'Cannot store object: client disconnected'));
  });
  return ac.signal;
}

/** Content-Length as a number; undefined when absent. @throws INVALID_ARGUMENT when invalid */
export function contentLengthOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim())) throw new StoreError('INVALID_ARGUMENT', `Invalid Content-Length "${value}"`);
  return Number(value);
}

/** Validates an X-Object-Manifest value ("container/prefix"). @throws INVALID_ARGUMENT */
function checkDloManifest(metadata: Record<string, string>): void {
  const v = metadata['x-object-manifest'];
  if (v === undefined) return;
  const s = v.replace(/^\//, '');
  if (s.indexOf('/') <= 0) throw new StoreError('INVALID_ARGUMENT', 'X-Object-Manifest must be in the format container/prefix');
}

async function putObject(ctx: SwiftContext): Promise<FastifyReply> {
  const { request, reply, deps, path } = ctx;
  const opath = { account: path.account, container: path.container!, object: path.object! };
  const h = request.headers;
  if (path.query.get('multipart-manifest') === 'put') return putSlo(ctx);
  const copyFrom = copySourceFromHeader(ctx);
  if (copyFrom) return copyObject(ctx, copyFrom, opath);
  await authorizeContainer(ctx, 'write', opath.account, opath.container);
  const length = contentLengthOf(h['content-length']);
  const chunked = /chunked/i.test(h['transfer-encoding'] ?? '');
  if (length === undefined && !chunked) throw new SwiftStatusError(411, 'Missing Content-Length or Transfer-Encoding: chunked');
  const max = deps.limits.max_file_size;
  if (length !== undefined && length > max) throw new StoreError('TOO_LARGE', `Cannot store object: ${length} bytes is over ${max}`);
  const metadata = metadataFromHeaders(h, 'object', deps.limits);
  checkDloManifest(metadata);
  const deleteAtMs = deleteAtFromHeaders(h, deps.nowMs());
  const inm = h['if-none-match'];
  if (inm !== undefined && inm.trim() !== '*') throw new StoreError('INVALID_ARGUMENT', 'If-None-Match only supports *');
  const res = await deps.cluster.putObject({
    ...opath,
    signal: abortOnDisconnect(request.raw),
    body: length === undefined ? limitBody(request.raw, max) : request.raw,
    contentType: contentTypeFor(h, opath.object),
    metadata,
    ...(deleteAtMs !== undefined ? { deleteAtMs } : {}),
    ...(length !== undefined ? { contentLength: length } : {}),
    ...(h.etag ? { expectedEtag: unquote(h.etag) } : {}),
    ...(inm !== undefined ? { ifNoneMatchAny: true } : {}),
  });
  return reply.code(201)
    .headers({ etag: res.etag, 'last-modified': httpDate(res.timestamp), 'content-type': 'text/html; charset=UTF-8' })
    .send('');
}

async function postObject(ctx: SwiftContext): Promise<FastifyReply> {
  const { request, reply, deps, path } = ctx;
  const opath = { account: path.account, container: path.container!, object: path.object! };
  await authorizeContainer(ctx, 'write', opath.account, opath.container);
  const current = await deps.cluster.headObject(opath);
  const metadata = metadataFromHeaders(request.headers, 'object', deps.limits);
  checkDloManifest(metadata);
  // POST replaces user metadata; what makes the object a large object stays.
  for (const [k, v] of Object.entries(current.metadata)) {
    if (k.includes('-sysmeta-') || (k === 'x-static-large-object' && isSlo(current))) metadata[k] = v;
    if (k === 'x-object-manifest' && isDlo(current) && metadata[k] === undefined) metadata[k] = v;
  }
  const deleteAtMs = deleteAtFromHeaders(request.headers, deps.nowMs());
  const contentType = request.headers['content-type'];
  await deps.cluster.postObject({
    ...opath, metadata, deleteAtMs: deleteAtMs ?? null, ...(contentType ? { contentType } : {}),
  });
  return reply.code(202).type('text/html; charset=UTF-8').send('');
}

async function deleteObject(ctx: SwiftContext): Promise<FastifyReply> {
  const { reply, deps, path } = ctx;
  const opath = { account: path.account, container: path.container!, object: path.object! };
  await authorizeContainer(ctx, 'write', opath.account, opath.container);
  if (path.query.get('multipart-manifest') === 'delete') return deleteSlo(ctx);
  await deps.cluster.deleteObject(opath);
  return reply.code(204).send();
}

/** Dispatches PUT, POST, DELETE and COPY of an object. */
export async function handleObjectWrite(ctx: SwiftContext): Promise<FastifyReply> {
  switch (ctx.request.method) {
    case 'PUT': return putObject(ctx);
    case 'POST': return postObject(ctx);
    case 'DELETE': return deleteObject(ctx);
    case 'COPY': {
      const { path } = ctx;
      const dest = copySourceFromHeader(ctx, 'destination');
      if (!dest) throw new SwiftStatusError(412, 'Destination header required');
      return copyObject(ctx, { account: path.account, container: path.container!, object: path.object! }, dest);
    }
    default:
      throw new SwiftStatusError(405, `Cannot ${ctx.request.method} an object`, { allow: 'GET, HEAD, PUT, POST, DELETE, COPY' });
  }
}
