/**
 * AWS Signature Version 4, the pure part: parsing the Authorization header and presigned query
 * parameters, building the canonical request and string to sign, deriving signing keys, and the
 * per-chunk signatures of aws-chunked uploads. No I/O; auth.ts applies it to requests.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { S3Error } from './errors.js';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** The credential scope "<date>/<region>/<service>/aws4_request" and its access key. */
export interface Credential {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

export interface ParsedAuthorization {
  credential: Credential;
  signedHeaders: string[];
  signature: string;
}

/**
 * Parses "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request,
 * SignedHeaders=host;x-amz-date, Signature=hex". Access keys may contain ':' but not '/'.
 * @throws S3Error AuthorizationHeaderMalformed
 */
export function parseAuthorization(header: string): ParsedAuthorization {
  if (!header.startsWith(`${ALGORITHM} `)) {
    throw new S3Error('AuthorizationHeaderMalformed', `Unsupported authorization type, only ${ALGORITHM} is accepted`);
  }
  const fields = new Map<string, string>();
  for (const part of header.slice(ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const cred = fields.get('Credential');
  const signed = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!cred || !signed || !signature) {
    throw new S3Error('AuthorizationHeaderMalformed', 'The authorization header needs Credential, SignedHeaders and Signature');
  }
  return { credential: parseCredential(cred, 'AuthorizationHeaderMalformed'), signedHeaders: signed.split(';'), signature };
}

/** @throws S3Error with `errorCode` when the credential is not "key/date/region/service/aws4_request" */
export function parseCredential(text: string, errorCode: 'AuthorizationHeaderMalformed' | 'AuthorizationQueryParametersError'): Credential {
  const parts = text.split('/');
  if (parts.length < 5 || parts[parts.length - 1] !== 'aws4_request' || !/^\d{8}$/.test(parts[parts.length - 4] ?? '')) {
    throw new S3Error(errorCode, `The credential "${text}" is malformed; expected "<key>/YYYYMMDD/<region>/s3/aws4_request"`);
  }
  const n = parts.length;
  return { accessKeyId: parts.slice(0, n - 4).join('/'), date: parts[n - 4]!, region: parts[n - 3]!, service: parts[n - 2]! };
}

/** Percent-encodes as SigV4 wants: everything but A-Z a-z 0-9 - _ . ~ (and '/' when `keepSlash`). */
export function uriEncode(text: string, keepSlash = false): string {
  const enc = encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return keepSlash ? enc.replace(/%2F/g, '/') : enc;
}

/** Decodes one query component; a malformed escape is kept literally rather than throwing. */
export function decodeQueryComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** Parses a raw query string into ordered [name, value] pairs (decoded). */
export function parseQuery(raw: string): Array<[string, string]> {
  if (raw === '') return [];
  return raw.split('&').filter((p) => p !== '').map((p) => {
    const eq = p.indexOf('=');
    return eq < 0 ? [decodeQueryComponent(p), ''] : [decodeQueryComponent(p.slice(0, eq)), decodeQueryComponent(p.slice(eq + 1))];
  });
}

/** The canonical query string: encoded pairs sorted by name then value, without X-Amz-Signature. */
export function canonicalQuery(pairs: Array<[string, string]>): string {
  return pairs
    .filter(([k]) => k !== 'X-Amz-Signature')
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** Trims a header value and collapses inner runs of spaces, as the canonical form requires. */
function canonicalValue(v: string | string[] | undefined): string {
  const joined = Array.isArray(v) ? v.map((x) => x.trim()).join(',') : (v ?? '');
  return joined.trim().replace(/ +/g, ' ');
}

export interface CanonicalInput {
  method: string;
  /** The URI path as it is to be signed (already encoded). */
  path: string;
  query: Array<[string, string]>;
  headers: Record<string, string | string[] | undefined>;
  signedHeaders: string[];
  payloadHash: string;
}

export function canonicalRequest(input: CanonicalInput): string {
  const headerLines = input.signedHeaders.map((h) => `${h}:${canonicalValue(input.headers[h])}\n`).join('');
  return [
    input.method,
    input.path,
    canonicalQuery(input.query),
    headerLines,
    input.signedHeaders.join(';'),
    input.payloadHash,
  ].join('\n');
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function scopeOf(c: Credential): string {
  return `${c.date}/${c.region}/${c.service}/aws4_request`;
}

export function stringToSign(amzDate: string, credential: Credential, canonical: string): string {
  return [ALGORITHM, amzDate, scopeOf(credential), sha256Hex(canonical)].join('\n');
}

const keyCache = new Map<string, Buffer>();

/** HMAC chain secret → date → region → service → "aws4_request", cached per scope. */
export function signingKey(secret: string, c: Credential): Buffer {
  const cacheKey = `${secret}\n${scopeOf(c)}`;
  const hit = keyCache.get(cacheKey);
  if (hit) return hit;
  const kDate = hmac(`AWS4${secret}`, c.date);
  const key = hmac(hmac(hmac(kDate, c.region), c.service), 'aws4_request');
  if (keyCache.size > 1000) keyCache.clear(); // bounded: keys change daily
  keyCache.set(cacheKey, key);
  return key;
}

export function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** Signature of a string to sign, lowercase hex. */
export function sign(key: Buffer, toSign: string): string {
  return createHmac('sha256', key).update(toSign, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex signatures. */
export function signaturesEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

/** The string to sign of one aws-chunked chunk (signed streaming uploads). */
export function chunkStringToSign(amzDate: string, credential: Credential, previousSignature: string, chunkSha256: string): string {
  return ['AWS4-HMAC-SHA256-PAYLOAD', amzDate, scopeOf(credential), previousSignature, EMPTY_SHA256, chunkSha256].join('\n');
}

/** The string to sign of the trailing headers of a signed streaming upload with trailer. */
export function trailerStringToSign(amzDate: string, credential: Credential, previousSignature: string, trailerSha256: string): string {
  return ['AWS4-HMAC-SHA256-TRAILER', amzDate, scopeOf(credential), previousSignature, trailerSha256].join('\n');
}

/** Parses "20130524T000000Z" to milliseconds, or NaN. */
export function parseAmzDate(text: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return NaN;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}
