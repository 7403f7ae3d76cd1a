import t from 'tap';
import { codeOf } from './s3-test-app.js';
import { ManualClock } from '../../common/index.js';
import { authenticate, type AuthRequest } from './auth.js';
import { S3Error } from './errors.js';

// The published AWS example credentials and requests (S3 SigV4 documentation).
const EXAMPLE = { account: 'AUTH_example', user: 'example', secret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', roles: [] };
const lookup = (id: string) => (id === 'AKIAIOSFODNN7EXAMPLE' ? EXAMPLE : undefined);
const at = (iso: string) => new ManualClock(Date.parse(iso));
const CLOCK = at('2013-05-24T00:05:00Z');

function exampleGet(overrides: Partial<Record<string, string>> = {}): AuthRequest {
  return {
    method: 'GET', rawPath: '/test.txt', query: [],
    headers: {
      host: 'examplebucket.s3.amazonaws.com', range: 'bytes=0-9',
      'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'x-amz-date': '20130524T000000Z',
      authorization: 'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
      ...overrides,
    },
  };
}

t.test('authenticate() accepts the AWS example GET signature', async (t) => {
  const r = authenticate(exampleGet(), lookup, CLOCK);
  t.same(r.identity, { account: 'AUTH_example', user: 'AKIAIOSFODNN7EXAMPLE', roles: [] });
  t.same(r.payload, { kind: 'sha256', hex: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' });
});

t.test('authenticate() rejects a changed signed header, unknown keys and malformed headers', async (t) => {
  t.equal(codeOf(() => authenticate(exampleGet({ range: 'bytes=0-10' }), lookup, CLOCK)), 'SignatureDoesNotMatch');
  t.equal(codeOf(() => authenticate(exampleGet(), () => undefined, CLOCK)), 'InvalidAccessKeyId');
  t.equal(codeOf(() => authenticate(exampleGet({ authorization: 'AWS4-HMAC-SHA256 Credential=x' }), lookup, CLOCK)), 'AuthorizationHeaderMalformed');
  t.equal(codeOf(() => authenticate(exampleGet({ authorization: 'AWS AKIAIOSFODNN7EXAMPLE:abc' }), lookup, CLOCK)), 'InvalidRequest');
  t.equal(codeOf(() => authenticate(exampleGet({ authorization: 'Bearer x' }), lookup, CLOCK)), 'AuthorizationHeaderMalformed');
});

t.test('authenticate() refuses requests more than 15 minutes off the server clock', async (t) => {
  t.equal(codeOf(() => authenticate(exampleGet(), lookup, at('2013-05-24T00:16:00Z'))), 'RequestTimeTooSkewed');
  t.equal(codeOf(() => authenticate(exampleGet(), lookup, at('2013-05-23T23:44:00Z'))), 'RequestTimeTooSkewed');
  t.doesNotThrow(() => authenticate(exampleGet(), lookup, at('2013-05-24T00:14:00Z')));
});

t.test('authenticate() treats requests without credentials as anonymous', async (t) => {
  const r = authenticate({ method: 'GET', rawPath: '/b/k', query: [], headers: { host: 'h' } }, lookup, CLOCK);
  t.equal(r.identity, null);
});

// The AWS presigned-URL example: GET /test.txt, expires in 86400 s.
const PRESIGNED: AuthRequest = {
  method: 'GET', rawPath: '/test.txt',
  query: [
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Credential', 'AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request'],
    ['X-Amz-Date', '20130524T000000Z'], ['X-Amz-Expires', '86400'], ['X-Amz-SignedHeaders', 'host'],
    ['X-Amz-Signature', 'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404'],
  ],
  headers: { host: 'examplebucket.s3.amazonaws.com' },
};

t.test('authenticate() accepts the AWS presigned example until it expires', async (t) => {
  const r = authenticate(PRESIGNED, lookup, at('2013-05-24T12:00:00Z'));
  t.equal(r.identity?.account, 'AUTH_example');
  t.same(r.payload, { kind: 'unsigned' });
  t.equal(codeOf(() => authenticate(PRESIGNED, lookup, at('2013-05-25T00:00:01Z'))), 'AccessDenied');
  const tampered = { ...PRESIGNED, rawPath: '/other.txt' };
  t.equal(codeOf(() => authenticate(tampered, lookup, at('2013-05-24T12:00:00Z'))), 'SignatureDoesNotMatch');
  const tooLong = { ...PRESIGNED, query: PRESIGNED.query.map(([k, v]) => [k, k === 'X-Amz-Expires' ? '604801' : v] as [string, string]) };
  t.equal(codeOf(() => authenticate(tooLong, lookup, at('2013-05-24T12:00:00Z'))), 'AuthorizationQueryParametersError');
  const noSig = { ...PRESIGNED, query: PRESIGNED.query.filter(([k]) => k !== 'X-Amz-Signature') };
  t.throws(() => authenticate(noSig, lookup, at('2013-05-24T12:00:00Z')), S3Error);
});

t.test('authenticate() chooses the body mode from x-amz-content-sha256', async (t) => {
  // Signature checks fail first for altered requests, so check the mode on an unsigned request.
  const anon = (v: string) => authenticate({ method: 'PUT', rawPath: '/b/k', query: [], headers: { host: 'h', 'x-amz-content-sha256': v } }, lookup, CLOCK);
  t.same(anon('STREAMING-UNSIGNED-PAYLOAD-TRAILER').payload, { kind: 'chunked', trailer: true });
  t.same(anon('UNSIGNED-PAYLOAD').payload, { kind: 'unsigned' });
  t.equal(codeOf(() => anon('STREAMING-AWS4-HMAC-SHA256-PAYLOAD')), 'AccessDenied');
  t.equal(codeOf(() => anon('nonsense')), 'InvalidArgument');
});
