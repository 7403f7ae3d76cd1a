/**
 * Authenticates an S3 request: SigV4 in the Authorization header or in presigned query
 * parameters, or anonymous when neither is present (handlers then allow only public-read data).
 * Also decides how the body is to be read: plain, hex-SHA256-checked, or aws-chunked.
 *
 * Regions: the signature is checked with the region of the client's own credential scope, so a
 * client configured for any region works against the single-region endpoint.
 */
import type { Clock } from '../../common/index.js';
import type { ChunkSigning } from './chunked-decoder.js';
import { S3Error } from './errors.js';
import {
  ALGORITHM, EMPTY_SHA256, canonicalRequest, parseAmzDate, parseAuthorization, parseCredential, sign,
  signaturesEqual, signingKey, stringToSign, uriEncode, type Credential,
} from './sigv4.js';

/** Who made a request. `account` is the storage account ("AUTH_test"). */
export interface Identity {
  account: string;
  /** "account:user", the access key id. */
  user: string;
  roles: string[];
}

export type PayloadMode =
  | { kind: 'unsigned' }
  | { kind: 'sha256'; hex: string }
  | { kind: 'chunked'; signing?: ChunkSigning; trailer: boolean };

export interface AuthResult {
  identity: Identity | null;
  payload: PayloadMode;
}

export interface AuthRequest {
  method: string;
  /** Raw path as received (still percent-encoded), without the query. */
  rawPath: string;
  query: Array<[string, string]>;
  headers: Record<string, string | string[] | undefined>;
}

/** Finds a credential; `account` is the storage account ("AUTH_test"). */
export type CredentialLookup = (accessKeyId: string) => { account: string; user: string; secret: string; roles: string[] } | undefined;

const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGN_EXPIRES_S = 7 * 24 * 3600;

/**
 * @throws S3Error AccessDenied, InvalidAccessKeyId, SignatureDoesNotMatch, RequestTimeTooSkewed,
 *   AuthorizationHeaderMalformed, AuthorizationQueryParametersError, InvalidRequest
 */
export function authenticate(req: AuthRequest, lookup: CredentialLookup, clock: Clock): AuthResult {
  const q = new Map(req.query);
  const header = single(req.headers.authorization);
  if (q.has('X-Amz-Algorithm')) return presigned(req, q, lookup, clock);
  if (header === undefined) return { identity: null, payload: payloadMode(req, undefined) };
  if (header.startsWith('AWS ')) throw new S3Error('InvalidRequest', 'Signature Version 2 is not supported; use Signature Version 4');
  const auth = parseAuthorization(header);
  const cred = resolve(auth.credential, lookup);
  const amzDate = single(req.headers['x-amz-date']) ?? '';
  let dateMs = parseAmzDate(amzDate);
  if (Number.isNaN(dateMs)) dateMs = Date.parse(single(req.headers.date) ?? '');
  if (Number.isNaN(dateMs)) throw new S3Error('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  const now = clock.nowMs();
  if (Math.abs(now - dateMs) > MAX_SKEW_MS) {
    throw new S3Error('RequestTimeTooSkewed', undefined, {
      RequestTime: amzDate, ServerTime: new Date(now).toISOString(), MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
    });
  }
  if (amzDate && auth.credential.date !== amzDate.slice(0, 8)) {
    throw new S3Error('AuthorizationHeaderMalformed', `Invalid credential date "${auth.credential.date}": it is not the date of x-amz-date`);
  }
  if (!auth.signedHeaders.includes('host')) throw new S3Error('AuthorizationHeaderMalformed', 'The signed headers must include host');
  const declared = single(req.headers['x-amz-content-sha256']);
  const payloadHash = declared ?? (hasBody(req) ? undefined : EMPTY_SHA256);
  if (payloadHash === undefined) throw new S3Error('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  const key = signingKey(cred.secret, auth.credential);
  const expected = verify(req, auth.signedHeaders, payloadHash, amzDate || new Date(dateMs).toISOString().replace(/[-:]|\.\d{3}/g, ''), auth.credential, key, auth.signature);
  const signing: ChunkSigning = { key, amzDate, credential: auth.credential, seedSignature: expected };
  return { identity: identityOf(cred, auth.credential.accessKeyId), payload: payloadMode(req, signing) };
}

function presigned(req: AuthRequest, q: Map<string, string>, lookup: CredentialLookup, clock: Clock): AuthResult {
  if (q.get('X-Amz-Algorithm') !== ALGORITHM) throw new S3Error('AuthorizationQueryParametersError', `X-Amz-Algorithm only supports "${ALGORITHM}"`);
  const credText = q.get('X-Amz-Credential');
  const amzDate = q.get('X-Amz-Date') ?? '';
  const expiresText = q.get('X-Amz-Expires') ?? '';
  const signedText = q.get('X-Amz-SignedHeaders');
  const signature = q.get('X-Amz-Signature');
  if (!credText || !signedText || !signature) {
    throw new S3Error('AuthorizationQueryParametersError', 'Query-string authentication requires X-Amz-Credential, X-Amz-SignedHeaders and X-Amz-Signature');
  }
  const credential = parseCredential(credText, 'AuthorizationQueryParametersError');
  const dateMs = parseAmzDate(amzDate);
  if (Number.isNaN(dateMs)) throw new S3Error('AuthorizationQueryParametersError', 'X-Amz-Date must be in the ISO8601 basic format "yyyyMMddTHHmmssZ"');
  if (!/^\d{1,7}$/.test(expiresText)) throw new S3Error('AuthorizationQueryParametersError', 'X-Amz-Expires should be a number');
  const expiresS = Number(expiresText);
  if (expiresS > MAX_PRESIGN_EXPIRES_S) throw new S3Error('AuthorizationQueryParametersError', 'X-Amz-Expires must be less than a week (in seconds) that is 604800');
  const cred = resolve(credential, lookup);
  const now = clock.nowMs();
  if (dateMs - now > MAX_SKEW_MS) throw new S3Error('AccessDenied', 'Request is not valid yet');
  if (now > dateMs + expiresS * 1000) {
    throw new S3Error('AccessDenied', 'Request has expired', { Expires: new Date(dateMs + expiresS * 1000).toISOString(), ServerTime: new Date(now).toISOString() });
  }
  const signedHeaders = signedText.split(';');
  const payloadHash = single(req.headers['x-amz-content-sha256']) ?? 'UNSIGNED-PAYLOAD';
  const key = signingKey(cred.secret, credential);
  const expected = verify(req, signedHeaders, payloadHash, amzDate, credential, key, signature);
  return { identity: identityOf(cred, credential.accessKeyId), payload: payloadMode(req, { key, amzDate, credential, seedSignature: expected }) };
}

/** Checks the signature over the raw path and, failing that, the re-encoded path. Returns it. */
function verify(req: AuthRequest, signedHeaders: string[], payloadHash: string, amzDate: string, credential: Credential, key: Buffer, given: string): string {
  const paths = new Set([reencode(req.rawPath), req.rawPath]);
  for (const path of paths) {
    const canonical = canonicalRequest({ method: req.method, path, query: req.query, headers: req.headers, signedHeaders, payloadHash });
    const expected = sign(key, stringToSign(amzDate, credential, canonical));
    if (signaturesEqual(expected, given)) return expected;
  }
  throw new S3Error('SignatureDoesNotMatch');
}

function reencode(rawPath: string): string {
  try {
    return uriEncode(decodeURIComponent(rawPath), true);
  } catch {
    return rawPath;
  }
}

function resolve(credential: Credential, lookup: CredentialLookup): NonNullable<ReturnType<CredentialLookup>> {
  if (credential.service !== 's3') throw new S3Error('AuthorizationHeaderMalformed', `The credential scope names service "${credential.service}", expected "s3"`);
  const cred = lookup(credential.accessKeyId);
  if (!cred) throw new S3Error('InvalidAccessKeyId', undefined, { AWSAccessKeyId: credential.accessKeyId });
  return cred;
}

function identityOf(cred: NonNullable<ReturnType<CredentialLookup>>, accessKeyId: string): Identity {
  return { account: cred.account, user: accessKeyId, roles: cred.roles };
}

function payloadMode(req: AuthRequest, signing: ChunkSigning | undefined): PayloadMode {
  const declared = single(req.headers['x-amz-content-sha256']);
  switch (declared) {
    case 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD':
    case 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER':
      if (!signing) throw new S3Error('AccessDenied', 'A signed streaming upload needs a signed request');
      return { kind: 'chunked', signing, trailer: declared.endsWith('TRAILER') };
    case 'STREAMING-UNSIGNED-PAYLOAD-TRAILER':
      return { kind: 'chunked', trailer: true };
    case undefined:
    case 'UNSIGNED-PAYLOAD':
      return { kind: 'unsigned' };
    default:
      if (!/^[0-9a-fA-F]{64}$/.test(declared)) throw new S3Error('InvalidArgument', `x-amz-content-sha256 "${declared}" is not valid`);
      return { kind: 'sha256', hex: declared };
  }
}

function hasBody(req: AuthRequest): boolean {
  const len = single(req.headers['content-length']);
  return (len !== undefined && len !== '0') || req.headers['transfer-encoding'] !== undefined;
}

export function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
