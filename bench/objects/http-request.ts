/**
 * One keep-alive HTTP request for the load generator. Response bodies are streamed through an
 * MD5 hash and counted, never kept, unless the caller asks for the text (listings, auth), which
 * is bounded by `maxTextBytes`.
 */
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** What a benchmark request sends. `body` is a Buffer (small objects) or a stream (large). */
export interface BenchRequest {
  method: 'GET' | 'PUT' | 'HEAD' | 'DELETE' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body?: Buffer | Readable;
  /** Keep the response body as text (at most maxTextBytes); otherwise only hash it. */
  wantText?: boolean;
}

export interface BenchResponse {
  status: number;
  headers: IncomingHttpHeaders;
  bytes: number;
  md5: string;
  text: string;
}

const MAX_TEXT_BYTES = 64 * 1024 * 1024;

/** A keep-alive agent with one socket per concurrent worker (plus slack for setup calls). */
export function createAgent(concurrency: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: concurrency + 4, maxFreeSockets: concurrency + 4, noDelay: true });
}

/**
 * Sends one request and drains the response.
 * @throws Error on a network failure or a response text larger than 64 MiB
 */
export async function send(agent: Agent, req: BenchRequest, timeoutMs: number): Promise<BenchResponse> {
  const headers: Record<string, string> = { ...req.headers };
  if (Buffer.isBuffer(req.body)) headers['content-length'] = String(req.body.length);
  return new Promise<BenchResponse>((resolve, reject) => {
    const r = httpRequest(req.url, { method: req.method, headers, agent, timeout: timeoutMs }, (res) => {
      const hash = createHash('md5');
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (req.wantText) {
          if (bytes > MAX_TEXT_BYTES) { res.destroy(new Error('response text too large')); return; }
          chunks.push(chunk);
        } else {
          hash.update(chunk);
        }
      });
      res.once('error', reject);
      res.once('end', () => resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        bytes,
        md5: hash.digest('hex'),
        text: req.wantText ? Buffer.concat(chunks).toString('utf8') : '',
      }));
    });
    r.once('timeout', () => r.destroy(new Error(`${req.method} ${req.url.pathname} timed out after ${timeoutMs} ms`)));
    r.once('error', reject);
    if (req.body === undefined) r.end();
    else if (Buffer.isBuffer(req.body)) r.end(req.body);
    else pipeline(req.body, r).catch(reject);
  });
}

/** Throws with the status and a short body excerpt unless the status is one of `ok`. */
export function expectStatus(res: BenchResponse, ok: readonly number[], what: string): void {
  if (!ok.includes(res.status)) {
    throw new Error(`${what} answered ${res.status}${res.text ? `: ${res.text.slice(0, 200)}` : ''}`);
  }
}
