/**
 * buildApp: the proxy's fastify instance without listen(), so tests drive it with inject().
 * Swift API v1 (/v1, /auth), /info, /healthcheck and /metrics are registered here; the S3
 * plugin is registered last and serves everything else.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyInstance, type FastifyReply } from 'fastify';
import { withRequestId, type ObjectCluster } from '../cluster/index.js';
import { systemClock, type Clock, type Logger } from '../common/index.js';
import type { UserDirectory } from './auth/user-directory.js';
import type { ProxyConfig } from './config.js';
import { createProxyMetrics, type ProxyMetrics } from './metrics.js';
import { newTransactionId } from './request-id.js';
import { swiftPlugin } from './swift/plugin.js';
import { sendSwiftError, SwiftStatusError } from './swift/errors.js';
import { swiftInfo } from './swift/constraints.js';
import { s3Plugin } from './s3/plugin.js';
import { s3ClientErrorHandler } from './s3/client-error.js';

export interface AppDeps {
  cluster: ObjectCluster;
  users: UserDirectory;
  config: Readonly<ProxyConfig>;
  log: Logger;
  /** Defaults to a fresh registry without process metrics. */
  metrics?: ProxyMetrics;
  /** Wall clock for token expiry and X-Delete-After; tests inject a ManualClock. */
  clock?: Clock;
  /** Version of each ring in use, reported by /info (absent: none reported). */
  ringVersions?: () => Record<string, number>;
}

/** The proxy's fastify instance type (pino logger). */
export type ProxyApp = FastifyInstance<Server, IncomingMessage, ServerResponse, Logger>;

/** Builds the proxy app. Call `ready()` or `listen()` on the result. */
export async function buildApp(deps: AppDeps): Promise<ProxyApp> {
  const metrics = deps.metrics ?? createProxyMetrics();
  const app = Fastify({
    loggerInstance: deps.log,
    genReqId: () => newTransactionId(),
    requestIdHeader: false,
    exposeHeadRoutes: false,
    // Object names may be long; the router must not reject long wildcard values.
    routerOptions: { maxParamLength: 65536 },
    // Per-request lines are logged at debug level by the hooks below, not at info by fastify.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    // Requests Node's parser rejects before any route (a header section over 16 KiB): S3 clients
    // get an S3 XML 400 instead of a bare 431; Swift clients only read the status.
    clientErrorHandler: s3ClientErrorHandler,
    // URLs the router cannot decode: Swift answers 412 for bad UTF-8 in its paths.
    frameworkErrors: (err, request, reply) => {
      if (err.code === 'FST_ERR_BAD_URL' && request.url.startsWith('/v1/')) {
        return sendSwiftError(new SwiftStatusError(412, 'Invalid UTF8 or contains NULL'), request, reply);
      }
      return (reply as FastifyReply).code(err.statusCode ?? 400).type('text/plain; charset=utf-8').send(`${err.message}\n`);
    },
  });
  if (!app.supportedMethods.includes('COPY')) app.addHttpMethod('COPY');

  // Bodies are never parsed by fastify: handlers read request.raw as a stream, so uploads flow
  // to the cluster with backpressure whatever their content type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

  // The request id travels to the storage nodes (gRPC metadata x-request-id) through an
  // AsyncLocalStorage, so node logs join the proxy's without threading it through every call.
  app.addHook('onRequest', (request, _reply, done) => withRequestId(String(request.id), done));
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-trans-id', request.id);
    reply.header('x-openstack-request-id', request.id);
    request.log.debug({ method: request.method, url: request.url }, 'request');
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.requests.inc({ method: request.method, status: String(reply.statusCode) });
    metrics.durationSec.observe({ method: request.method }, reply.elapsedTime / 1000);
  });

  app.get('/healthcheck', async (_req, reply) => reply.type('text/plain').send('OK'));
  app.head('/healthcheck', async (_req, reply) => reply.type('text/plain').header('content-length', '2').send());
  app.get('/info', async (_req, reply) => {
    const info = swiftInfo(deps.config);
    // Operators and `strata cluster status` read which rings this proxy uses.
    info.strata = { ...(info.strata as Record<string, unknown>), rings: deps.ringVersions?.() ?? {} };
    return reply.type('application/json; charset=utf-8').send(JSON.stringify(info));
  });
  app.get('/metrics', async (_req, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  const clock = deps.clock ?? systemClock;
  await app.register(swiftPlugin, {
    cluster: deps.cluster, users: deps.users, config: deps.config, log: deps.log.child({ component: 'swift' }),
    nowMs: () => clock.nowMs(),
  });
  await app.register(s3Plugin, {
    cluster: deps.cluster,
    lookupCredential: (accessKeyId: string) => {
      const u = deps.users.lookupS3(accessKeyId);
      // The storage account is the Swift one, so both APIs see the same containers.
      return u && { account: `AUTH_${u.account}`, user: u.user, secret: u.key, roles: [...u.roles] };
    },
    domains: [...deps.config.s3.domains],
    region: deps.config.s3.region,
    log: deps.log.child({ component: 's3' }),
    clock,
  });
  return app;
}
