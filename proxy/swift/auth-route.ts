/**
 * tempauth-compatible `GET /auth/v1.0`: X-Auth-User "account:user" + X-Auth-Key (or
 * X-Storage-User + X-Storage-Pass) → X-Auth-Token, X-Storage-Token, X-Storage-Url
 * (http://<Host>/v1/AUTH_<account>) and X-Auth-Token-Expires (seconds left).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { StoreError } from '../../common/index.js';
import type { UserDirectory } from '../auth/user-directory.js';
import { baseUrl } from './context.js';
import { issueToken } from './token.js';

function header(req: FastifyRequest, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = req.headers[n];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

function sameSecret(a: string, b: string): boolean {
  // Hash first so the comparison is constant-time whatever the lengths.
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export interface AuthRouteDeps {
  users: UserDirectory;
  secret: string;
  tokenTtlSec: number;
  nowMs: () => number;
}

/**
 * Builds the /auth/v1.0 handler.
 * @throws UNAUTHENTICATED for missing or wrong credentials
 */
export function authHandler(deps: AuthRouteDeps) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const id = header(request, 'x-auth-user', 'x-storage-user');
    const key = header(request, 'x-auth-key', 'x-storage-pass');
    if (!id || key === undefined) throw new StoreError('UNAUTHENTICATED', 'Cannot authenticate: X-Auth-User and X-Auth-Key are required');
    const at = id.indexOf(':');
    const user = at > 0 ? deps.users.lookup(id.slice(0, at), id.slice(at + 1)) : undefined;
    if (!user || !sameSecret(user.key, key)) throw new StoreError('UNAUTHENTICATED', 'Cannot authenticate: unknown user or wrong key');
    const expiresSec = Math.floor(deps.nowMs() / 1000) + deps.tokenTtlSec;
    const token = issueToken({ account: user.account, user: user.user, roles: user.roles, expiresSec }, deps.secret);
    const url = `${baseUrl(request)}/v1/AUTH_${user.account}`;
    return reply.code(200).headers({
      'x-auth-token': token,
      'x-storage-token': token,
      'x-storage-url': url,
      'x-auth-token-expires': String(deps.tokenTtlSec),
      'content-type': 'application/json; charset=utf-8',
    }).send(JSON.stringify({ storage: { default: 'local', local: url } }));
  };
}
