import t from 'tap';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ManualClock } from '../../common/index.js';
import { authenticate, type AuthRequest } from './auth.js';
import { AwsChunkedDecoder, type AwsChunkedOptions } from './chunked-decoder.js';
import { S3Error } from './errors.js';
import { chunkStringToSign, sha256Hex, sign, trailerStringToSign } from './sigv4.js';

// The AWS documentation's signed streaming upload: 66560 bytes of "a" in chunks of 65536 and 1024.
const SIGS = [
  'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
  '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
  'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
];
function exampleBody(corrupt = false): Buffer {
  const parts: Buffer[] = [];
  for (const [i, size] of [65536, 1024, 0].entries()) {
    const data = Buffer.alloc(size, 'a');
    if (corrupt && size === 1024) data[10] = 0x62;
    parts.push(Buffer.from(`${size.toString(16)};chunk-signature=${SIGS[i]}\r\n`), data, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}
const REQUEST: AuthRequest = {
  method: 'PUT', rawPath: '/examplebucket/chunkObject.txt', query: [],
  headers: {
    host: 's3.amazonaws.com', 'x-amz-date': '20130524T000000Z', 'x-amz-storage-class': 'REDUCED_REDUNDANCY',
    'content-encoding': 'aws-chunked', 'content-length': '66824', 'x-amz-decoded-content-length': '66560',
    'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    authorization: 'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
  },
};
const lookup = () => ({ account: 'AUTH_x', user: 'x', secret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', roles: [] });

function signedOptions(decodedLength?: number): AwsChunkedOptions {
  const auth = authenticate(REQUEST, lookup, new ManualClock(Date.parse('2013-05-24T00:00:00Z')));
  if (auth.payload.kind !== 'chunked') throw new Error('expected chunked');
  return { signing: auth.payload.signing, decodedLength };
}

/** Decodes `body` fed in slices of `step` bytes; returns the bytes or the error. */
async function decode(body: Buffer, opts: AwsChunkedOptions, step = 7919): Promise<{ data?: Buffer; err?: unknown; decoder: AwsChunkedDecoder }> {
  const decoder = new AwsChunkedDecoder(opts);
  const slices: Buffer[] = [];
  for (let i = 0; i < body.length; i += step) slices.push(body.subarray(i, i + step));
  const out: Buffer[] = [];
  try {
    await pipeline(Readable.from(slices), decoder, async (src: AsyncIterable<Buffer>) => { for await (const c of src) out.push(c); });
    return { data: Buffer.concat(out), decoder };
  } catch (err) {
    return { err, decoder };
  }
}

t.test('AwsChunkedDecoder verifies the AWS example chunk signatures, whatever the slicing', async (t) => {
  for (const step of [1, 100, 7919, 70000]) {
    const { data, err } = await decode(exampleBody(), signedOptions(66560), step);
    t.error(err);
    t.equal(data?.length, 66560, `step ${step}`);
    t.ok(data?.every((b) => b === 0x61));
  }
});

t.test('AwsChunkedDecoder fails a tampered chunk with SignatureDoesNotMatch', async (t) => {
  const { err } = await decode(exampleBody(true), signedOptions());
  t.ok(err instanceof S3Error && err.s3Code === 'SignatureDoesNotMatch');
});

t.test('AwsChunkedDecoder fails truncated bodies and wrong decoded lengths with IncompleteBody', async (t) => {
  const body = exampleBody();
  const { err } = await decode(body.subarray(0, 40000), signedOptions());
  t.ok(err instanceof S3Error && err.s3Code === 'IncompleteBody');
  const wrong = await decode(body, signedOptions(66561));
  t.ok(wrong.err instanceof S3Error && wrong.err.s3Code === 'IncompleteBody');
});

t.test('AwsChunkedDecoder reads unsigned chunks and trailing checksum headers', async (t) => {
  const body = Buffer.from('5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n');
  const { data, err, decoder } = await decode(body, { decodedLength: 11 }, 3);
  t.error(err);
  t.equal(data?.toString(), 'hello world');
  t.equal(decoder.trailers.get('x-amz-checksum-crc32'), 'DUoRhQ==');
});

t.test('AwsChunkedDecoder rejects malformed framing', async (t) => {
  for (const bad of ['zz\r\nhello\r\n0\r\n\r\n', '3\r\nhello\r\n0\r\n\r\n', '5\r\nhello\r\n0\r\nnocolon\r\n\r\n', `${'1'.repeat(5000)}\r\n`]) {
    const { err } = await decode(Buffer.from(bad), {});
    t.ok(err instanceof S3Error, JSON.stringify(bad.slice(0, 30)));
  }
  const unsignedInSigned = await decode(Buffer.from('5\r\nhello\r\n0\r\n\r\n'), signedOptions());
  t.ok(unsignedInSigned.err instanceof S3Error && unsignedInSigned.err.s3Code === 'SignatureDoesNotMatch');
});

t.test('AwsChunkedDecoder checks the trailer signature of the signed form with trailer', async (t) => {
  const opts = signedOptions();
  const s = opts.signing!;
  let prev = s.seedSignature;
  const parts: string[] = [];
  for (const data of ['hello', '']) {
    const sig = sign(s.key, chunkStringToSign(s.amzDate, s.credential, prev, sha256Hex(data)));
    prev = sig;
    parts.push(`${data.length.toString(16)};chunk-signature=${sig}\r\n${data}${data ? '\r\n' : ''}`);
  }
  const trailer = 'x-amz-checksum-crc32:NhCmhg==';
  const trailerSig = sign(s.key, trailerStringToSign(s.amzDate, s.credential, prev, sha256Hex(`${trailer}\n`)));
  const good = `${parts.join('')}${trailer}\r\nx-amz-trailer-signature:${trailerSig}\r\n\r\n`;
  const ok = await decode(Buffer.from(good), { ...opts, signedTrailer: true }, 5);
  t.error(ok.err);
  t.equal(ok.data?.toString(), 'hello');
  t.equal(ok.decoder.trailers.get('x-amz-checksum-crc32'), 'NhCmhg==');
  const forged = good.replace('NhCmhg==', 'AAAAAA==');
  const bad = await decode(Buffer.from(forged), { ...opts, signedTrailer: true });
  t.ok(bad.err instanceof S3Error && bad.err.s3Code === 'SignatureDoesNotMatch', 'a changed trailer fails');
  const unsigned = await decode(Buffer.from(`${parts.join('')}${trailer}\r\n\r\n`), { ...opts, signedTrailer: true });
  t.ok(unsigned.err instanceof S3Error && unsigned.err.s3Code === 'SignatureDoesNotMatch', 'a missing trailer signature fails');
});
