/**
 * ObjectTarget over the S3 API: path-style requests signed with Signature V4 (aws4) and an
 * UNSIGNED-PAYLOAD body hash, so the client does not hash bodies twice; listings use
 * ListObjectsV2 with start-after.
 */
import type { Agent } from 'node:http';
import type { Readable } from 'node:stream';
import aws4 from 'aws4';
import { createAgent, expectStatus, send, type BenchRequest, type BenchResponse } from './http-request.js';
import type { FetchedObject, ListPage, ObjectTarget, TargetOptions } from './target.js';

type Method = BenchRequest['method'];

export class S3Target implements ObjectTarget {
  readonly api = 's3' as const;
  private readonly agent: Agent;
  private readonly base: URL;
  private bucket = '';

  constructor(private readonly opts: TargetOptions) {
    this.agent = createAgent(opts.concurrency);
    this.base = new URL(opts.endpoint);
  }

  private async call(method: Method, path: string, extra: { headers?: Record<string, string>; body?: Buffer | Readable; wantText?: boolean } = {}): Promise<BenchResponse> {
    const headers: Record<string, string> = { ...extra.headers, 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' };
    const signed = aws4.sign({
      host: this.base.host, path, method, headers, service: 's3', region: this.opts.region,
    }, { accessKeyId: this.opts.user, secretAccessKey: this.opts.key });
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(signed.headers ?? {})) out[k] = String(v);
    const req: BenchRequest = { method, url: new URL(path, this.base), headers: out };
    if (extra.body !== undefined) req.body = extra.body;
    if (extra.wantText) req.wantText = true;
    return send(this.agent, req, this.opts.requestTimeoutMs);
  }

  private key(name: string): string {
    return `/${this.bucket}/${name.split('/').map(encodeURIComponent).join('/')}`;
  }

  async open(container: string): Promise<void> {
    this.bucket = container;
    const res = await this.call('PUT', `/${container}`, { wantText: true });
    // 409 BucketAlreadyOwnedByYou: a rerun against the same bucket.
    if (!(res.status === 409 && res.text.includes('BucketAlreadyOwnedByYou'))) expectStatus(res, [200], `PUT bucket "${container}"`);
  }

  async put(name: string, body: Buffer | Readable, size: number, md5: string): Promise<void> {
    const res = await this.call('PUT', this.key(name), {
      body, wantText: true, headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) },
    });
    expectStatus(res, [200], `PUT "${name}"`);
    const etag = String(res.headers.etag ?? '').replace(/"/g, '');
    if (etag !== md5) throw new Error(`PUT "${name}" answered ETag "${etag}", sent MD5 "${md5}"`);
  }

  async get(name: string): Promise<FetchedObject> {
    const res = await this.call('GET', this.key(name));
    expectStatus(res, [200], `GET "${name}"`);
    return { bytes: res.bytes, md5: res.md5 };
  }

  async head(name: string): Promise<number> {
    const res = await this.call('HEAD', this.key(name));
    expectStatus(res, [200], `HEAD "${name}"`);
    return Number(res.headers['content-length'] ?? -1);
  }

  async delete(name: string): Promise<void> {
    expectStatus(await this.call('DELETE', this.key(name), { wantText: true }), [204, 200], `DELETE "${name}"`);
  }

  async list(marker: string | undefined, limit: number): Promise<ListPage> {
    const after = marker === undefined ? '' : `&start-after=${encodeURIComponent(marker)}`;
    const res = await this.call('GET', `/${this.bucket}?list-type=2&max-keys=${limit}${after}`, { wantText: true });
    expectStatus(res, [200], 'ListObjectsV2');
    const names = [...res.text.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => unescapeXml(m[1] ?? ''));
    const truncated = /<IsTruncated>true<\/IsTruncated>/.test(res.text);
    return truncated && names.length > 0 ? { names, next: names[names.length - 1] } : { names };
  }
}

function unescapeXml(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}
