/**
 * What every Swift route handler receives: the parsed path, the caller's identity (from the
 * token, if any) and the plugin's dependencies, plus the ACL check that needs the cluster.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ObjectCluster } from '../../cluster/index.js';
import type { Logger } from '../../common/index.js';
import type { ProxyConfig } from '../config.js';
import { authorize, isOwner, type Operation } from './acl.js';
import type { SwiftConstraints } from './constraints.js';
import type { SwiftPath } from './path.js';
import type { TokenClaims } from './token.js';

export interface SwiftDeps {
  cluster: ObjectCluster;
  config: Readonly<ProxyConfig>;
  limits: SwiftConstraints;
  log: Logger;
  nowMs: () => number;
}

export interface SwiftContext {
  deps: SwiftDeps;
  path: SwiftPath;
  who: TokenClaims | undefined;
  request: FastifyRequest;
  reply: FastifyReply;
}

export type SwiftHandler = (ctx: SwiftContext) => Promise<FastifyReply>;

/** True when the caller owns the account of the request (or is a reseller admin). */
export function ownsAccount(ctx: SwiftContext, account = ctx.path.account): boolean {
  return isOwner(ctx.who, account);
}

/**
 * Checks `op` on a container of `account`, reading its ACLs from the cluster unless the
 * caller owns the account. A container that does not exist grants nothing.
 * @throws UNAUTHENTICATED / PERMISSION_DENIED when refused
 */
export async function authorizeContainer(ctx: SwiftContext, op: Operation, account: string, container: string): Promise<void> {
  const input = { who: ctx.who, account, referrer: ctx.request.headers.referer };
  if (op === 'owner' || isOwner(ctx.who, account)) {
    authorize(op, input);
    return;
  }
  let meta: Record<string, string> = {};
  try {
    meta = (await ctx.deps.cluster.headContainer({ account, container })).metadata;
  } catch {
    // No container (or no answer): no ACL applies, so only the refusal remains.
  }
  authorize(op, { ...input, readAcl: meta['x-container-read'], writeAcl: meta['x-container-write'] });
}

/** The Host-based base URL of this proxy, for X-Storage-Url. */
export function baseUrl(request: FastifyRequest): string {
  const proto = request.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
  return `${proto}://${request.headers.host ?? 'localhost'}`;
}
