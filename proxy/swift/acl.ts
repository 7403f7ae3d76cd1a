/**
 * Who may do what (tempauth's rules): `.reseller_admin` acts on every account; `.admin` owns its
 * own account (AUTH_<account>); everyone else needs a container ACL. X-Container-Read entries:
 * `.r:*` / `.r:<host>` / `.r:.<domain>` / `.r:-<host>` (referrers), `.rlistings` (referrers may
 * also list), `account`, `account:user` (and `*` wildcards); X-Container-Write: the group entries.
 * A refusal is 401 without a token and 403 with one.
 */
import { StoreError } from '../../common/index.js';
import type { TokenClaims } from './token.js';

export type Operation = 'owner' | 'read' | 'list' | 'write';

/** True when `who` owns the storage account `account` (AUTH_...). */
export function isOwner(who: TokenClaims | undefined, account: string): boolean {
  if (!who) return false;
  if (who.roles.includes('.reseller_admin')) return true;
  return who.roles.includes('.admin') && `AUTH_${who.account}` === account;
}

function entries(acl: string | undefined): string[] {
  return (acl ?? '').split(',').map((e) => e.trim()).filter((e) => e !== '');
}

function groupMatches(entry: string, who: TokenClaims): boolean {
  const [a, u] = entry.includes(':') ? entry.split(':', 2) as [string, string] : [entry, undefined];
  const accountOk = a === '*' || a === who.account || a === `AUTH_${who.account}`;
  return accountOk && (u === undefined || u === '*' || u === who.user);
}

function hostOf(referrer: string | undefined): string | undefined {
  if (!referrer) return undefined;
  try {
    return new URL(referrer).hostname;
  } catch {
    return undefined;
  }
}

function referrerAllowed(acl: string[], referrer: string | undefined): boolean {
  const host = hostOf(referrer);
  let allowed = false;
  for (const e of acl) {
    if (!e.startsWith('.r:')) continue;
    let pattern = e.slice(3);
    const deny = pattern.startsWith('-');
    if (deny) pattern = pattern.slice(1);
    const match = pattern === '*' || (host !== undefined
      && (pattern.startsWith('.') ? host.endsWith(pattern) || host === pattern.slice(1) : host === pattern));
    if (match) allowed = !deny;
  }
  return allowed;
}

export interface AclInput {
  who: TokenClaims | undefined;
  account: string;
  /** The container's x-container-read / x-container-write, when the operation needs them. */
  readAcl?: string;
  writeAcl?: string;
  referrer?: string;
}

/** Whether `op` is allowed; ACLs only matter for 'read', 'list' and 'write'. */
export function allowed(op: Operation, input: AclInput): boolean {
  if (isOwner(input.who, input.account)) return true;
  if (op === 'owner') return false;
  const acl = entries(op === 'write' ? input.writeAcl : input.readAcl);
  if (input.who && acl.some((e) => !e.startsWith('.') && groupMatches(e, input.who!))) return true;
  if (op === 'write') return false;
  if (!referrerAllowed(acl, input.referrer)) return false;
  return op === 'read' || acl.includes('.rlistings');
}

/**
 * Throws the refusal for `op` unless allowed.
 * @throws UNAUTHENTICATED without a token, PERMISSION_DENIED with one
 */
export function authorize(op: Operation, input: AclInput): void {
  if (allowed(op, input)) return;
  if (!input.who) throw new StoreError('UNAUTHENTICATED', 'Cannot authorize request: no valid token');
  throw new StoreError('PERMISSION_DENIED', `Cannot authorize request: "${input.who.account}:${input.who.user}" may not access "${input.account}"`);
}

/** Checks an ACL header value: ACL entries must not be empty or contain spaces. @throws INVALID_ARGUMENT */
export function validateAcl(value: string, header: string): void {
  for (const e of value.split(',')) {
    const t = e.trim();
    if (t.includes(' ') || (t.startsWith('.') && !t.startsWith('.r:') && t !== '.rlistings') || t === '.r:') {
      throw new StoreError('INVALID_ARGUMENT', `Cannot set ${header}: bad entry "${t}"`);
    }
  }
}
