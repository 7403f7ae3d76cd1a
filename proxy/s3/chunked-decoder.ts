/**
 * AwsChunkedDecoder: a Transform that turns an `aws-chunked` upload body into the object's
 * bytes. Handles the signed form (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]: each chunk
 * carries a signature chained from the request's) and the unsigned form with trailing headers
 * (STREAMING-UNSIGNED-PAYLOAD-TRAILER, what current AWS SDKs send with their checksums).
 *
 * Chunk data passes through as it arrives and is verified at the chunk's end; a bad signature or
 * a truncated body fails the stream, so the PUT it feeds is aborted and nothing is stored.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { S3Error } from './errors.js';
import {
  chunkStringToSign, sha256Hex, sign, signaturesEqual, trailerStringToSign, type Credential,
} from './sigv4.js';

export interface ChunkSigning {
  key: Buffer;
  amzDate: string;
  credential: Credential;
  /** The request's own signature, which the first chunk signature chains from. */
  seedSignature: string;
}

export interface AwsChunkedOptions {
  /** Present for the signed forms: every chunk signature is verified. */
  signing?: ChunkSigning;
  /** x-amz-decoded-content-length when sent: the decoded body must have exactly this length. */
  decodedLength?: number;
  /** Signed form with trailer: the trailer must end with a valid x-amz-trailer-signature. */
  signedTrailer?: boolean;
}

const MAX_LINE = 4096;
const MAX_TRAILER_BYTES = 16384;

type State = 'header' | 'data' | 'data-crlf' | 'trailer' | 'done';

export class AwsChunkedDecoder extends Transform {
  /** Trailing headers (lowercase names), complete once the stream has ended. */
  readonly trailers = new Map<string, string>();
  private state: State = 'header';
  private line = Buffer.alloc(0);
  private remaining = 0;
  private decoded = 0;
  private chunkSignature = '';
  private previousSignature: string;
  private chunkHash: Hash | undefined;
  private trailerBytes = 0;
  private readonly trailerLines: string[] = [];
  private trailerSignatureSeen = false;

  constructor(private readonly opts: AwsChunkedOptions) {
    super();
    this.previousSignature = opts.signing?.seedSignature ?? '';
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.consume(chunk);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    if (this.state !== 'done') return done(new S3Error('IncompleteBody', 'The aws-chunked body ended before its final chunk'));
    if (this.opts.decodedLength !== undefined && this.decoded !== this.opts.decodedLength) {
      return done(new S3Error('IncompleteBody', `The decoded body has ${this.decoded} bytes, x-amz-decoded-content-length says ${this.opts.decodedLength}`));
    }
    done();
  }

  private consume(buf: Buffer): void {
    let pos = 0;
    while (pos < buf.length) {
      if (this.state === 'data') {
        const n = Math.min(this.remaining, buf.length - pos);
        const slice = buf.subarray(pos, pos + n);
        this.chunkHash?.update(slice);
        this.push(slice);
        this.decoded += n;
        this.remaining -= n;
        pos += n;
        if (this.remaining === 0) this.state = 'data-crlf';
        continue;
      }
      if (this.state === 'done') {
        // Tolerate trailing CR/LF some clients add; anything else is malformed.
        if (buf.subarray(pos).some((b) => b !== 0x0d && b !== 0x0a)) throw new S3Error('InvalidRequest', 'Data after the final aws-chunked chunk');
        return;
      }
      const nl = buf.indexOf(0x0a, pos);
      const end = nl < 0 ? buf.length : nl + 1;
      this.line = Buffer.concat([this.line, buf.subarray(pos, end)]);
      pos = end;
      if (this.line.length > MAX_LINE) throw new S3Error('InvalidRequest', 'An aws-chunked header line is too long');
      if (nl < 0) continue;
      const text = this.line.toString('latin1').replace(/\r?\n$/, '');
      this.line = Buffer.alloc(0);
      this.onLine(text);
    }
  }

  private onLine(text: string): void {
    switch (this.state) {
      case 'data-crlf':
        if (text !== '') throw new S3Error('InvalidRequest', 'An aws-chunked chunk is longer than its declared size');
        this.endChunk();
        this.state = 'header';
        return;
      case 'header':
        return this.onChunkHeader(text);
      case 'trailer':
        return this.onTrailerLine(text);
      default:
        return;
    }
  }

  private onChunkHeader(text: string): void {
    const [sizeText, ...exts] = text.split(';');
    if (!sizeText || !/^[0-9a-fA-F]{1,12}$/.test(sizeText.trim())) throw new S3Error('InvalidRequest', `Malformed aws-chunked chunk header "${text.slice(0, 80)}"`);
    const size = parseInt(sizeText.trim(), 16);
    this.chunkSignature = '';
    for (const ext of exts) {
      const [k, v] = ext.split('=');
      if (k?.trim() === 'chunk-signature') this.chunkSignature = (v ?? '').trim();
    }
    if (this.opts.signing && !this.chunkSignature) throw new S3Error('SignatureDoesNotMatch', 'An aws-chunked chunk has no chunk-signature');
    this.chunkHash = this.opts.signing ? createHash('sha256') : undefined;
    if (size === 0) {
      this.endChunk();
      this.state = 'trailer';
      return;
    }
    this.remaining = size;
    this.state = 'data';
  }

  /** Verifies the signature of the chunk just read (signed forms only). */
  private endChunk(): void {
    const s = this.opts.signing;
    if (!s || !this.chunkHash) return;
    const toSign = chunkStringToSign(s.amzDate, s.credential, this.previousSignature, this.chunkHash.digest('hex'));
    const expected = sign(s.key, toSign);
    if (!signaturesEqual(expected, this.chunkSignature)) throw new S3Error('SignatureDoesNotMatch', 'An aws-chunked chunk signature does not match');
    this.previousSignature = expected;
    this.chunkHash = undefined;
  }

  private onTrailerLine(text: string): void {
    if (text === '') {
      if (this.opts.signedTrailer && this.opts.signing && !this.trailerSignatureSeen) {
        throw new S3Error('SignatureDoesNotMatch', 'The aws-chunked trailer has no x-amz-trailer-signature');
      }
      this.state = 'done';
      return;
    }
    this.trailerBytes += text.length;
    if (this.trailerBytes > MAX_TRAILER_BYTES) throw new S3Error('InvalidRequest', 'The aws-chunked trailer is too large');
    const colon = text.indexOf(':');
    if (colon <= 0) throw new S3Error('InvalidRequest', `Malformed aws-chunked trailer "${text.slice(0, 80)}"`);
    const name = text.slice(0, colon).trim().toLowerCase();
    const value = text.slice(colon + 1).trim();
    if (name === 'x-amz-trailer-signature') {
      const s = this.opts.signing;
      if (!s) return;
      const canonical = this.trailerLines.map((l) => `${l}\n`).join('');
      const expected = sign(s.key, trailerStringToSign(s.amzDate, s.credential, this.previousSignature, sha256Hex(canonical)));
      if (!signaturesEqual(expected, value)) throw new S3Error('SignatureDoesNotMatch', 'The aws-chunked trailer signature does not match');
      this.trailerSignatureSeen = true;
      return;
    }
    this.trailerLines.push(`${name}:${value}`);
    this.trailers.set(name, value);
  }
}
