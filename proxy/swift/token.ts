/**
 * Stateless Swift auth tokens: "AUTH_tk" + base64url(JSON claims) + "." + base64url(HMAC-SHA256).
 * Any proxy holding the cluster's authSecret can verify a token issued by any other, so tokens
 * need no shared store (tempauth keeps them in memcached; we do not).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { StoreError } from '../../common/index.js';

export interface TokenClaims {
  /** Bare account name of the user (storage account is AUTH_<account>). */
  account: string;
  user: string;
  roles: string[];
  /** Expiry, seconds since the epoch. */
  expiresSec: number;
}

const PREFIX = 'AUTH_tk';

function mac(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

/** Signs claims into a token string. */
export function issueToken(claims: TokenClaims, secret: string): string {
  const payload = Buffer.from(JSON.stringify({ a: claims.account, u: claims.user, r: claims.roles, e: claims.expiresSec })).toString('base64url');
  return `${PREFIX}${payload}.${mac(secret, payload)}`;
}

/**
 * Checks a token's signature and expiry.
 * @throws UNAUTHENTICATED when malformed, forged or expired
 */
export function verifyToken(token: string, secret: string, nowMs: number): TokenClaims {
  const bad = (why: string): StoreError => new StoreError('UNAUTHENTICATED', `Cannot accept token: ${why}`);
  if (!token.startsWith(PREFIX)) throw bad('unknown format');
  const [payload, sig, extra] = token.slice(PREFIX.length).split('.');
  if (!payload || !sig || extra !== undefined) throw bad('unknown format');
  const expected = Buffer.from(mac(secret, payload));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw bad('bad signature');
  let raw: { a?: unknown; u?: unknown; r?: unknown; e?: unknown };
  try {
    raw = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof raw;
  } catch {
    throw bad('unreadable claims');
  }
  if (typeof raw.a !== 'string' || typeof raw.u !== 'string' || typeof raw.e !== 'number'
    || !Array.isArray(raw.r) || raw.r.some((x) => typeof x !== 'string')) throw bad('unreadable claims');
  if (raw.e * 1000 <= nowMs) throw bad('expired');
  return { account: raw.a, user: raw.u, roles: raw.r as string[], expiresSec: raw.e };
}
