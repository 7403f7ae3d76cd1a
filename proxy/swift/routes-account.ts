/**
 * Account requests: GET (container listing), HEAD (counts, bytes, metadata), POST (metadata).
 * Only the account's owner (or a reseller admin) may make them.
 */
import type { FastifyReply } from 'fastify';
import type { AccountInfo } from '../../cluster/index.js';
import { authorize } from './acl.js';
import type { SwiftContext } from './context.js';
import { SwiftStatusError } from './errors.js';
import { CONTENT_TYPES, listingFormat, listingOptions, renderListing } from './listing.js';
import { metadataFromHeaders, metadataToHeaders } from './metadata-headers.js';

function accountHeaders(info: AccountInfo): Record<string, string> {
  return {
    'x-account-container-count': String(info.containerCount),
    'x-account-object-count': String(info.objectCount),
    'x-account-bytes-used': String(info.bytesUsed),
    'x-account-storage-policy-policy-0-container-count': String(info.containerCount),
    'x-account-storage-policy-policy-0-object-count': String(info.objectCount),
    'x-account-storage-policy-policy-0-bytes-used': String(info.bytesUsed),
    ...metadataToHeaders(info.metadata, true),
  };
}

/** Dispatches an account request by method. */
export async function handleAccount(ctx: SwiftContext): Promise<FastifyReply> {
  const { request, reply, deps, path } = ctx;
  authorize('owner', { who: ctx.who, account: path.account });
  const cluster = deps.cluster;
  switch (request.method) {
    case 'HEAD': {
      const info = await cluster.headAccount(path.account);
      return reply.code(204).headers(accountHeaders(info)).type(CONTENT_TYPES.plain).send();
    }
    case 'GET': {
      const format = listingFormat(path.query, request.headers.accept);
      const opts = listingOptions(path.query, deps.limits.account_listing_limit);
      const [info, entries] = await Promise.all([cluster.headAccount(path.account), cluster.listAccount(path.account, opts)]);
      const body = renderListing(entries, format, 'account', path.account);
      reply.headers(accountHeaders(info)).type(CONTENT_TYPES[format]);
      return body === undefined ? reply.code(204).send() : reply.code(200).send(body);
    }
    case 'POST': {
      await cluster.postAccount(path.account, metadataFromHeaders(request.headers, 'account', deps.limits));
      return reply.code(204).send();
    }
    default:
      throw new SwiftStatusError(405, `Cannot ${request.method} an account`, { allow: 'GET, HEAD, POST' });
  }
}
