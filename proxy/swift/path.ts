/**
 * Parses /v1/<account>[/<container>[/<object>]] from the raw request URL (percent-decoded here,
 * not by the router, so object names keep every byte) and checks Swift's name rules.
 */
import { StoreError } from '../../common/index.js';
import { SwiftStatusError } from './errors.js';
import type { SwiftConstraints } from './constraints.js';

export interface SwiftPath {
  account: string;
  container?: string;
  object?: string;
  query: URLSearchParams;
}

function decode(part: string): string {
  let s: string;
  try {
    s = decodeURIComponent(part);
  } catch {
    throw new SwiftStatusError(412, 'Invalid UTF8 or contains NULL');
  }
  if (s.includes('\0') || s.includes('\ufffd')) throw new SwiftStatusError(412, 'Invalid UTF8 or contains NULL');
  return s;
}

/**
 * Splits and decodes a request URL. A trailing slash after the account or container is ignored,
 * as Swift does.
 * @throws NOT_FOUND for a path that is not /v1/<account>/...; INVALID_ARGUMENT for names over
 *   the limits; SwiftStatusError 412 for bad UTF-8
 */
export function parseSwiftPath(rawUrl: string, limits: SwiftConstraints): SwiftPath {
  const q = rawUrl.indexOf('?');
  const pathPart = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1));
  const m = /^\/v1\/([^/]+)(?:\/([^/]*)(?:\/(.*))?)?$/s.exec(pathPart);
  if (!m) throw new StoreError('NOT_FOUND', 'Cannot route request: bad URL');
  const account = decode(m[1]!);
  const container = m[2] ? decode(m[2]) : undefined;
  const object = m[3] ? decode(m[3]) : undefined;
  if (object !== undefined && container === undefined) throw new StoreError('NOT_FOUND', 'Cannot route request: bad URL');
  if (Buffer.byteLength(account) > limits.max_account_name_length) {
    throw new StoreError('INVALID_ARGUMENT', `Account name length of ${Buffer.byteLength(account)} longer than ${limits.max_account_name_length}`);
  }
  if (container !== undefined && Buffer.byteLength(container) > limits.max_container_name_length) {
    throw new StoreError('INVALID_ARGUMENT', `Container name length of ${Buffer.byteLength(container)} longer than ${limits.max_container_name_length}`);
  }
  if (object !== undefined && Buffer.byteLength(object) > limits.max_object_name_length) {
    throw new StoreError('INVALID_ARGUMENT', `Object name length of ${Buffer.byteLength(object)} longer than ${limits.max_object_name_length}`);
  }
  const out: SwiftPath = { account, query };
  if (container !== undefined) out.container = container;
  if (object !== undefined) out.object = object;
  return out;
}

/**
 * Parses a "container/object" reference (X-Copy-From, Destination, X-Object-Manifest, SLO
 * segment paths), percent-decoded, with or without a leading slash.
 * @throws SwiftStatusError 412 when it has no object part
 */
export function parseContainerObject(value: string, header: string): { container: string; object: string } {
  let v = value.startsWith('/') ? value.slice(1) : value;
  try {
    v = decodeURIComponent(v);
  } catch {
    throw new SwiftStatusError(412, `${header} header must be of the form <container name>/<object name>`);
  }
  const at = v.indexOf('/');
  if (at <= 0 || at === v.length - 1) {
    throw new SwiftStatusError(412, `${header} header must be of the form <container name>/<object name>`);
  }
  return { container: v.slice(0, at), object: v.slice(at + 1) };
}
