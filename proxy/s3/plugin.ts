/**
 * The S3 API as a fastify plugin. The proxy's app registers it after the Swift routes; it serves
 * every request that is not Swift's (/v1, /auth, /info, /healthcheck): it resolves the address
 * (path- or virtual-hosted-style), authenticates (SigV4), dispatches to an operation, and renders
 * every failure as an S3 XML error whose RequestId equals the x-amz-request-id header.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ObjectCluster } from '../../cluster/index.js';
import { systemClock, type Clock, type Logger } from '../../common/index.js';
import { resolveAddress } from './addressing.js';
import { authenticate } from './auth.js';
import { BucketRegistry } from './bucket-registry.js';
import type { S3Context, S3Deps } from './context.js';
import { dispatch } from './dispatch.js';
import { toS3Error } from './errors.js';
import { parseQuery } from './sigv4.js';
import { renderXml } from './xml.js';

export interface S3PluginOptions {
  cluster: ObjectCluster;
  /** Finds the secret and account of an access key ("account:user"). */
  lookupCredential(accessKeyId: string): { account: string; user: string; secret: string; roles: string[] } | undefined;
  /** Base domains for virtual-hosted-style addressing, e.g. ["s3.localhost"]. */
  domains: string[];
  /** Region this endpoint signs for, e.g. "us-east-1". */
  region: string;
  log: Logger;
  /** Wall clock for signature expiry and skew checks; defaults to the system clock. */
  clock?: Clock;
}

const METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS'] as const;

export const s3Plugin: FastifyPluginAsync<S3PluginOptions> = async (app, opts) => {
  const deps: S3Deps = {
    cluster: opts.cluster,
    registry: new BucketRegistry(opts.cluster, opts.log),
    clock: opts.clock ?? systemClock,
    region: opts.region,
    log: opts.log,
  };
  // Bodies stay raw streams in this (encapsulated) context whatever the app does elsewhere.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));

  const handler = (request: FastifyRequest, reply: FastifyReply): Promise<void> => handle(deps, opts, request, reply);
  app.route({ method: [...METHODS], url: '/', handler });
  app.route({ method: [...METHODS], url: '/*', handler });
};

async function handle(deps: S3Deps, opts: S3PluginOptions, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const requestId = String(request.id);
  reply.header('x-amz-request-id', requestId);
  reply.header('x-amz-id-2', requestId);
  let resource = request.url.split('?')[0] ?? '/';
  try {
    const address = resolveAddress(request.url, request.headers.host, opts.domains);
    resource = address.rawPath;
    const pairs = parseQuery(address.rawQuery);
    const auth = authenticate({ method: request.method, rawPath: address.rawPath, query: pairs, headers: request.headers }, opts.lookupCredential, deps.clock);
    const query = new Map<string, string>();
    for (const [k, v] of pairs) if (!query.has(k)) query.set(k, v);
    const ctx: S3Context = {
      deps, request, reply, requestId, identity: auth.identity, payload: auth.payload,
      bucket: address.bucket, key: address.key, query,
    };
    await dispatch(ctx);
  } catch (err) {
    sendError(deps.log, request, reply, err, requestId, resource);
  }
}

function sendError(log: Logger, request: FastifyRequest, reply: FastifyReply, err: unknown, requestId: string, resource: string): void {
  const s3 = toS3Error(err);
  if (s3.status >= 500) log.error({ err, requestId, method: request.method, url: request.url }, 's3 request failed');
  else log.debug({ code: s3.s3Code, message: s3.message, requestId }, 's3 request rejected');
  if (reply.sent) {
    // Headers are out: the only honest signal left is a broken connection.
    request.raw.destroy();
    return;
  }
  // The request body may still be arriving; close the connection after answering rather than
  // reading an unbounded body we have already rejected.
  if (!request.raw.readableEnded && request.method !== 'GET' && request.method !== 'HEAD') reply.header('connection', 'close');
  const fields: Record<string, string> = {
    Code: s3.s3Code, Message: s3.message, ...s3.fields, Resource: decodeSafe(resource), RequestId: requestId, HostId: requestId,
  };
  reply.code(s3.status).type('application/xml').send(renderXml('Error', fields, null));
}

function decodeSafe(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
