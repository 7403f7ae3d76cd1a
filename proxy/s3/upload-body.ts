/**
 * uploadBody: turns a PUT's raw request stream into the object's bytes for the cluster,
 * decoding aws-chunked, checking x-amz-content-sha256 and the flexible checksum on the way.
 * Nothing is buffered: every stage is a Transform in one pipeline, and a failing stage fails the
 * stream the cluster reads, which aborts the write.
 */
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AwsChunkedDecoder } from './chunked-decoder.js';
import { CHECKSUM_ALGORITHMS, ChecksumVerifier, Sha256Verifier, checksumHeader } from './checksums.js';
import type { PayloadMode } from './auth.js';
import { S3Error } from './errors.js';
import { readSmallBody } from './xml.js';

export interface UploadBody {
  body: Readable;
  /** Length of the decoded body when the client declared it. */
  contentLength?: number;
  /** MD5 (hex) from Content-MD5, for the cluster's ETag check. */
  expectedMd5?: string;
  checksum?: ChecksumVerifier;
  /** The first error of a stage, which explains a failed write better than the cluster can. */
  error(): unknown;
}

type Headers = Record<string, string | string[] | undefined>;

/** Largest single PUT S3 accepts. */
export const MAX_PUT_BYTES = 5 * 1024 ** 3;

/**
 * @throws S3Error InvalidDigest, InvalidRequest, EntityTooLarge, MissingContentLength
 */
export function uploadBody(raw: Readable, headers: Headers, payload: PayloadMode): UploadBody {
  const h = (n: string): string | undefined => {
    const v = headers[n];
    return Array.isArray(v) ? v[0] : v;
  };
  const stages: Transform[] = [];
  let contentLength = parseLength(h('content-length'));
  let decoder: AwsChunkedDecoder | undefined;
  if (payload.kind === 'chunked') {
    const decodedLength = parseLength(h('x-amz-decoded-content-length'));
    decoder = new AwsChunkedDecoder({ signing: payload.signing, decodedLength, signedTrailer: payload.trailer });
    stages.push(decoder);
    contentLength = decodedLength;
  } else if (payload.kind === 'sha256') {
    stages.push(new Sha256Verifier(payload.hex));
  }
  if (h('content-length') === undefined && h('transfer-encoding') === undefined) throw new S3Error('MissingContentLength');
  if (contentLength !== undefined && contentLength > MAX_PUT_BYTES) throw new S3Error('EntityTooLarge');

  if (payload.kind !== 'chunked' && contentLength !== undefined) stages.push(new LengthCheck(contentLength));
  const checksum = checksumStage(h, decoder);
  if (checksum) stages.push(checksum);

  let firstError: unknown;
  let body: Readable = raw;
  if (stages.length > 0) {
    body = stages[stages.length - 1]!;
    // The last stage is what the cluster reads; pipeline() tears every stage down on error.
    pipeline([raw, ...stages] as unknown as [Readable, Transform]).catch((err: unknown) => {
      firstError ??= err;
    });
    for (const s of stages) s.once('error', (err) => { firstError ??= err; });
  }
  return { body, contentLength, expectedMd5: md5Of(h('content-md5')), checksum, error: () => firstError };
}

function checksumStage(h: (n: string) => string | undefined, decoder: AwsChunkedDecoder | undefined): ChecksumVerifier | undefined {
  for (const alg of CHECKSUM_ALGORITHMS) {
    const value = h(checksumHeader(alg));
    if (value !== undefined) return new ChecksumVerifier(alg, () => value);
  }
  const trailer = h('x-amz-trailer');
  if (trailer !== undefined) {
    const name = trailer.trim().toLowerCase();
    const alg = CHECKSUM_ALGORITHMS.find((a) => checksumHeader(a) === name);
    if (!alg) throw new S3Error('InvalidRequest', `The trailer "${trailer}" is not a supported checksum`);
    if (!decoder) throw new S3Error('InvalidRequest', 'x-amz-trailer needs an aws-chunked body');
    return new ChecksumVerifier(alg, () => decoder.trailers.get(name));
  }
  return undefined;
}

function parseLength(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{1,16}$/.test(v.trim())) throw new S3Error('InvalidArgument', `The length "${v}" is not a number`);
  return Number(v.trim());
}

function md5Of(contentMd5: string | undefined): string | undefined {
  if (contentMd5 === undefined) return undefined;
  const buf = Buffer.from(contentMd5.trim(), 'base64');
  if (buf.length !== 16 || buf.toString('base64') !== contentMd5.trim()) throw new S3Error('InvalidDigest');
  return buf.toString('hex');
}

/**
 * Reads a small request document (XML of DeleteObjects, CompleteMultipartUpload, ACLs, ...)
 * through the same checks as an upload, so a signed body is verified against its
 * x-amz-content-sha256 and checksums. A request without a body reads as "".
 * @throws S3Error MalformedXML (too large), XAmzContentSHA256Mismatch, BadDigest, IncompleteBody
 */
export async function readRequestDocument(raw: Readable, headers: Headers, payload: PayloadMode, maxBytes: number): Promise<string> {
  if (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) return '';
  const up = uploadBody(raw, headers, payload);
  try {
    return await readSmallBody(up.body, maxBytes);
  } catch (err) {
    throw up.error() instanceof S3Error ? up.error() : err;
  }
}

/** Fails with IncompleteBody when the body ends before Content-Length bytes arrived. */
class LengthCheck extends Transform {
  private seen = 0;
  constructor(private readonly expected: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    done(null, chunk);
  }
  override _flush(done: TransformCallback): void {
    done(this.seen === this.expected ? null : new S3Error('IncompleteBody', `The body has ${this.seen} bytes, Content-Length says ${this.expected}`));
  }
}
