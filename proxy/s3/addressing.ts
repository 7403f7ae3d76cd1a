/**
 * Where an S3 request points: bucket and key from virtual-hosted-style ("bucket.s3.example.com
 * /key") or path-style ("/bucket/key") addressing, and which operation family (sub-resource) the
 * query selects.
 */
import { S3Error } from './errors.js';

export interface S3Address {
  bucket?: string;
  key?: string;
  /** The raw path (percent-encoded), without the query; what the signature covers. */
  rawPath: string;
  rawQuery: string;
}

/** Key length limit of S3 (bytes of UTF-8). */
export const MAX_KEY_BYTES = 1024;

/**
 * Splits a request URL into bucket and key. `domains` are the base domains of virtual-hosted
 * style; a Host that is one of them (or no match) means path-style.
 * @throws S3Error InvalidArgument for malformed percent-encoding, KeyTooLongError
 */
export function resolveAddress(url: string, host: string | undefined, domains: readonly string[]): S3Address {
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const rawQuery = q < 0 ? '' : url.slice(q + 1);
  const path = decodePath(rawPath);
  const hostname = (host ?? '').replace(/:\d+$/, '').toLowerCase();
  let bucket: string | undefined;
  let key: string | undefined;
  const domain = domains.find((d) => hostname.endsWith(`.${d.toLowerCase()}`));
  if (domain) {
    bucket = hostname.slice(0, hostname.length - domain.length - 1);
    key = path.length > 1 ? path.slice(1) : undefined;
  } else {
    const rest = path.slice(1);
    const slash = rest.indexOf('/');
    bucket = slash < 0 ? rest : rest.slice(0, slash);
    key = slash < 0 ? undefined : rest.slice(slash + 1);
    if (bucket === '') bucket = undefined;
  }
  if (key === '') key = undefined;
  if (key !== undefined && Buffer.byteLength(key) > MAX_KEY_BYTES) throw new S3Error('KeyTooLongError');
  return { bucket, key, rawPath, rawQuery };
}

function decodePath(rawPath: string): string {
  try {
    return decodeURIComponent(rawPath);
  } catch {
    throw new S3Error('InvalidArgument', 'The request path has malformed percent-encoding');
  }
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Checks a bucket name for CreateBucket (DNS-compatible rules; dots allowed, no IP addresses).
 * Other operations accept any name so that Swift containers with odd names stay reachable.
 * @throws S3Error InvalidBucketName
 */
export function validateBucketName(name: string): void {
  if (!BUCKET_NAME.test(name) || name.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(name) || name.includes('.-') || name.includes('-.')) {
    throw new S3Error('InvalidBucketName', `The bucket name "${name}" is not valid`, { BucketName: name });
  }
}
