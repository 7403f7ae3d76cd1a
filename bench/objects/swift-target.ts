/**
 * ObjectTarget over the Swift API v1: tempauth-style /auth/v1.0 login, then
 * /v1/AUTH_x/<container>/<object>. Re-authenticates once when a token is refused.
 */
import type { Agent } from 'node:http';
import type { Readable } from 'node:stream';
import { createAgent, expectStatus, send, type BenchRequest, type BenchResponse } from './http-request.js';
import type { FetchedObject, ListPage, ObjectTarget, TargetOptions } from './target.js';

export class SwiftTarget implements ObjectTarget {
  readonly api = 'swift' as const;
  private readonly agent: Agent;
  private storageUrl = '';
  private token = '';
  private container = '';

  constructor(private readonly opts: TargetOptions) {
    this.agent = createAgent(opts.concurrency);
  }

  private async login(): Promise<void> {
    const ask = () => send(this.agent, {
      method: 'GET', url: new URL('/auth/v1.0', this.opts.endpoint), wantText: true,
      headers: { 'x-storage-user': this.opts.user, 'x-storage-pass': this.opts.key },
    }, this.opts.requestTimeoutMs);
    let res = await ask();
    // A loaded Swift proxy sometimes answers 503 when it loses its memcached: try a few more times.
    for (let attempt = 1; attempt < 5 && res.status >= 500; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
      res = await ask();
    }
    expectStatus(res, [200, 204], 'Swift login');
    const url = res.headers['x-storage-url'];
    const token = res.headers['x-auth-token'];
    if (typeof url !== 'string' || typeof token !== 'string') throw new Error('Swift login answered no storage URL or token');
    // Some proxies answer their public host name; keep our endpoint's host and port.
    const given = new URL(url);
    const ours = new URL(this.opts.endpoint);
    given.host = ours.host;
    this.storageUrl = given.toString().replace(/\/$/, '');
    this.token = token;
  }

  private url(name?: string, query = ''): URL {
    const path = name === undefined ? this.container : `${this.container}/${name.split('/').map(encodeURIComponent).join('/')}`;
    return new URL(`${this.storageUrl}/${path}${query}`);
  }

  private async call(req: Omit<BenchRequest, 'headers'> & { headers?: Record<string, string> }, retry = true): Promise<BenchResponse> {
    const res = await send(this.agent, { ...req, headers: { ...req.headers, 'x-auth-token': this.token } }, this.opts.requestTimeoutMs);
    // A streamed body cannot be sent twice; only bodiless or Buffer requests are retried.
    if (res.status === 401 && retry && !(req.body && !Buffer.isBuffer(req.body))) {
      await this.login();
      return this.call(req, false);
    }
    return res;
  }

  async open(container: string): Promise<void> {
    this.container = encodeURIComponent(container);
    await this.login();
    expectStatus(await this.call({ method: 'PUT', url: this.url(), wantText: true }), [201, 202, 204], `PUT container "${container}"`);
  }

  async put(name: string, body: Buffer | Readable, size: number, md5: string): Promise<void> {
    const res = await this.call({
      method: 'PUT', url: this.url(name), body, wantText: true,
      headers: { etag: md5, 'content-type': 'application/octet-stream', 'content-length': String(size) },
    });
    expectStatus(res, [201], `PUT "${name}"`);
    const etag = String(res.headers.etag ?? '').replace(/"/g, '');
    if (etag !== md5) throw new Error(`PUT "${name}" answered ETag "${etag}", sent MD5 "${md5}"`);
  }

  async get(name: string): Promise<FetchedObject> {
    const res = await this.call({ method: 'GET', url: this.url(name) });
    expectStatus(res, [200], `GET "${name}"`);
    return { bytes: res.bytes, md5: res.md5 };
  }

  async head(name: string): Promise<number> {
    const res = await this.call({ method: 'HEAD', url: this.url(name) });
    expectStatus(res, [200], `HEAD "${name}"`);
    return Number(res.headers['content-length'] ?? -1);
  }

  async delete(name: string): Promise<void> {
    const res = await this.call({ method: 'DELETE', url: this.url(name), wantText: true });
    expectStatus(res, [204, 404], `DELETE "${name}"`);
  }

  async list(marker: string | undefined, limit: number): Promise<ListPage> {
    const q = `?format=json&limit=${limit}${marker === undefined ? '' : `&marker=${encodeURIComponent(marker)}`}`;
    const res = await this.call({ method: 'GET', url: this.url(undefined, q), wantText: true });
    expectStatus(res, [200, 204], 'GET container listing');
    const rows = res.status === 204 || res.text === '' ? [] : JSON.parse(res.text) as Array<{ name?: string; subdir?: string }>;
    const names = rows.map((r) => r.name ?? r.subdir ?? '');
    return names.length < limit ? { names } : { names, next: names[names.length - 1] };
  }
}
