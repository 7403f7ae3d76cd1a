/**
 * Container requests: PUT (create or update, 201/202), DELETE (204, 409 when not empty), HEAD,
 * POST (metadata), GET (object listing). Creating, deleting, POSTing and setting ACLs need the
 * account's owner; listing and HEAD may also be granted by X-Container-Read.
 */
import type { FastifyReply } from 'fastify';
import type { ContainerInfo } from '../../cluster/index.js';
import { authorizeContainer, ownsAccount, type SwiftContext } from './context.js';
import { SwiftStatusError } from './errors.js';
import { httpDate } from './http-dates.js';
import { CONTENT_TYPES, listingFormat, listingOptions, renderListing } from './listing.js';
import { metadataFromHeaders, metadataToHeaders } from './metadata-headers.js';

function containerHeaders(info: ContainerInfo, showAcls: boolean): Record<string, string> {
  return {
    'x-container-object-count': String(info.objectCount),
    'x-container-bytes-used': String(info.bytesUsed),
    'x-timestamp': info.putTimestamp,
    'x-put-timestamp': info.putTimestamp,
    'last-modified': httpDate(info.putTimestamp),
    'x-storage-policy': 'Policy-0',
    'accept-ranges': 'bytes',
    ...metadataToHeaders(info.metadata, showAcls),
  };
}

/** Dispatches a container request by method. */
export async function handleContainer(ctx: SwiftContext): Promise<FastifyReply> {
  const { request, reply, deps, path } = ctx;
  const cpath = { account: path.account, container: path.container! };
  const cluster = deps.cluster;
  const owner = ownsAccount(ctx);
  switch (request.method) {
    case 'HEAD':
    case 'GET': {
      await authorizeContainer(ctx, 'list', cpath.account, cpath.container);
      if (request.method === 'HEAD') {
        const info = await cluster.headContainer(cpath);
        return reply.code(204).headers(containerHeaders(info, owner)).type(CONTENT_TYPES.plain).send();
      }
      const format = listingFormat(path.query, request.headers.accept);
      const opts = listingOptions(path.query, deps.limits.container_listing_limit);
      const [info, entries] = await Promise.all([cluster.headContainer(cpath), cluster.listContainer(cpath, opts)]);
      const body = renderListing(entries, format, 'container', cpath.container);
      reply.headers(containerHeaders(info, owner)).type(CONTENT_TYPES[format]);
      return body === undefined ? reply.code(204).send() : reply.code(200).send(body);
    }
    case 'PUT': {
      await authorizeContainer(ctx, 'owner', cpath.account, cpath.container);
      const { created } = await cluster.putContainer(cpath, metadataFromHeaders(request.headers, 'container', deps.limits));
      return reply.code(created ? 201 : 202).type('text/html; charset=UTF-8').send();
    }
    case 'POST': {
      await authorizeContainer(ctx, 'owner', cpath.account, cpath.container);
      await cluster.postContainer(cpath, metadataFromHeaders(request.headers, 'container', deps.limits));
      return reply.code(204).send();
    }
    case 'DELETE': {
      await authorizeContainer(ctx, 'owner', cpath.account, cpath.container);
      await cluster.deleteContainer(cpath);
      return reply.code(204).send();
    }
    default:
      throw new SwiftStatusError(405, `Cannot ${request.method} a container`, { allow: 'GET, HEAD, PUT, POST, DELETE' });
  }
}
