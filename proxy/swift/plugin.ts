/**
 * The Swift API v1 as a fastify plugin: tempauth-compatible /auth/v1.0 and
 * /v1/AUTH_<account>[/<container>[/<object>]]. Each request is parsed (path, token), then
 * dispatched by level to routes-account / routes-container / routes-object-*. All error
 * statuses come from errors.ts.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { StoreError } from '../../common/index.js';
import type { ObjectCluster } from '../../cluster/index.js';
import type { Logger } from '../../common/index.js';
import type { UserDirectory } from '../auth/user-directory.js';
import type { ProxyConfig } from '../config.js';
import { authHandler } from './auth-route.js';
import { swiftConstraints } from './constraints.js';
import type { SwiftContext, SwiftDeps } from './context.js';
import { sendSwiftError } from './errors.js';
import { parseSwiftPath } from './path.js';
import { handleAccount } from './routes-account.js';
import { handleContainer } from './routes-container.js';
import { handleObjectRead } from './routes-object-read.js';
import { handleObjectWrite } from './routes-object-write.js';
import { verifyToken, type TokenClaims } from './token.js';

export interface SwiftPluginOptions {
  cluster: ObjectCluster;
  users: UserDirectory;
  config: Readonly<ProxyConfig>;
  log: Logger;
  /** Wall clock for token expiry and X-Delete-After; defaults to Date.now. */
  nowMs?: () => number;
}

const METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'COPY'] as const;

export const swiftPlugin: FastifyPluginAsync<SwiftPluginOptions> = async (app, opts) => {
  const deps: SwiftDeps = {
    cluster: opts.cluster,
    config: opts.config,
    limits: swiftConstraints(opts.config),
    log: opts.log,
    nowMs: opts.nowMs ?? (() => Date.now()),
  };
  app.setErrorHandler((err, request, reply) => sendSwiftError(err, request, reply));

  const auth = authHandler({ users: opts.users, secret: opts.config.authSecret, tokenTtlSec: opts.config.tokenTtlSec, nowMs: deps.nowMs });
  for (const url of ['/auth/v1.0', '/auth/v1.0/']) app.route({ method: ['GET', 'HEAD'], url, handler: auth });

  const identify = (request: FastifyRequest): TokenClaims | undefined => {
    const token = request.headers['x-auth-token'] ?? request.headers['x-storage-token'];
    if (typeof token !== 'string' || token === '') return undefined;
    return verifyToken(token, opts.config.authSecret, deps.nowMs());
  };

  const dispatch = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const path = parseSwiftPath(request.raw.url ?? request.url, deps.limits);
    const who = identify(request);
    // Only accounts of this auth system (reseller prefix AUTH_) are served here.
    if (!path.account.startsWith('AUTH_') || path.account === 'AUTH_') {
      throw new StoreError(who ? 'PERMISSION_DENIED' : 'UNAUTHENTICATED', `Cannot serve account "${path.account}"`);
    }
    const ctx: SwiftContext = { deps, path, who, request, reply };
    if (path.object !== undefined) {
      return request.method === 'GET' || request.method === 'HEAD' ? handleObjectRead(ctx) : handleObjectWrite(ctx);
    }
    if (path.container !== undefined) return handleContainer(ctx);
    return handleAccount(ctx);
  };
  for (const url of ['/v1', '/v1/', '/v1/*']) app.route({ method: [...METHODS], url, handler: dispatch });
};
