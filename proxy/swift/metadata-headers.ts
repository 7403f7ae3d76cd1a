/**
 * Metadata in and out of Swift headers. Requests: X-<Kind>-Meta-* (and X-Remove-<Kind>-Meta-*,
 * which stores an empty value that the cluster treats as "remove"), checked against Swift's
 * limits. Responses: stored lowercase keys back as headers.
 */
import { StoreError } from '../../common/index.js';
import type { IncomingHttpHeaders } from 'node:http';
import type { SwiftConstraints } from './constraints.js';
import { validateAcl } from './acl.js';

export type MetaKind = 'account' | 'container' | 'object';

/** Object headers besides X-Object-Meta-* that a PUT or POST stores. */
const OBJECT_EXTRA = ['content-disposition', 'content-encoding', 'content-language', 'x-object-manifest', 'cache-control', 'expires'];

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(',') : v;
}

/**
 * Metadata a request sets. `removals`: honour X-Remove-* (accounts and containers merge; objects
 * replace, so removal is implicit there).
 * @throws INVALID_ARGUMENT when a name, value, count or the total is over Swift's limits
 */
export function metadataFromHeaders(headers: IncomingHttpHeaders, kind: MetaKind, limits: SwiftConstraints): Record<string, string> {
  const prefix = `x-${kind}-meta-`;
  const removePrefix = `x-remove-${kind}-meta-`;
  const out: Record<string, string> = {};
  let count = 0;
  let total = 0;
  for (const [rawName, rawValue] of Object.entries(headers)) {
    const name = rawName.toLowerCase();
    const value = headerValue(rawValue) ?? '';
    let key: string | undefined;
    let stored = value.trim();
    if (name.startsWith(prefix)) key = name;
    else if (kind !== 'object' && name.startsWith(removePrefix)) {
      key = prefix + name.slice(removePrefix.length);
      stored = '';
    }
    if (key === undefined) continue;
    const short = key.slice(prefix.length);
    if (short === '') throw new StoreError('INVALID_ARGUMENT', 'Metadata name cannot be empty');
    if (Buffer.byteLength(short) > limits.max_meta_name_length) {
      throw new StoreError('INVALID_ARGUMENT', `Metadata name too long; max ${limits.max_meta_name_length}`);
    }
    if (Buffer.byteLength(stored) > limits.max_meta_value_length) {
      throw new StoreError('INVALID_ARGUMENT', `Metadata value longer than ${limits.max_meta_value_length}`);
    }
    count++;
    total += Buffer.byteLength(short) + Buffer.byteLength(stored);
    out[key] = stored;
  }
  if (count > limits.max_meta_count) throw new StoreError('INVALID_ARGUMENT', `Too many metadata items; max ${limits.max_meta_count}`);
  if (total > limits.max_meta_overall_size) throw new StoreError('INVALID_ARGUMENT', `Total metadata too large; max ${limits.max_meta_overall_size}`);
  if (kind === 'container') {
    for (const acl of ['x-container-read', 'x-container-write']) {
      const v = headerValue(headers[acl]);
      if (v !== undefined) {
        validateAcl(v, acl);
        out[acl] = v.trim();
      }
      if (headers[acl.replace('x-container-', 'x-remove-container-')] !== undefined) out[acl] = '';
    }
  }
  if (kind === 'object') {
    for (const h of OBJECT_EXTRA) {
      const v = headerValue(headers[h]);
      if (v !== undefined && v !== '') out[h] = v;
    }
  }
  return out;
}

/** True when the request sets container ACLs (only account owners may). */
export function setsAcl(headers: IncomingHttpHeaders): boolean {
  return ['x-container-read', 'x-container-write', 'x-remove-container-read', 'x-remove-container-write']
    .some((h) => headers[h] !== undefined);
}

/** Stored metadata as response headers; sysmeta is internal and never shown. */
export function metadataToHeaders(metadata: Record<string, string>, showAcls: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (k.includes('-sysmeta-') || v === '') continue;
    if ((k === 'x-container-read' || k === 'x-container-write') && !showAcls) continue;
    out[k] = v;
  }
  return out;
}
