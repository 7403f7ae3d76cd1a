/**
 * Test support for the S3 plugin (used by *.test.ts only): the proxy app over a
 * MemoryObjectCluster with the development users, and a SigV4 signer for app.inject() requests.
 */
import { createHash } from 'node:crypto';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import Fastify from 'fastify';
import { ManualClock, silentLogger, type Clock } from '../../common/index.js';
import { buildApp, type ProxyApp } from '../app.js';
import { DEVELOPMENT_USERS, UserDirectory } from '../auth/user-directory.js';
import { DEFAULT_PROXY_CONFIG, type ProxyConfig } from '../config.js';
import { MemoryObjectCluster } from '../testing/memory-cluster.js';
import { S3Error } from './errors.js';
import { s3Plugin } from './plugin.js';
import {
  canonicalRequest, parseQuery, scopeOf, sign, signingKey, stringToSign, type Credential,
} from './sigv4.js';

export interface TestApp {
  app: ProxyApp;
  cluster: MemoryObjectCluster;
}

/** The proxy app over a memory cluster; `domains` enables virtual-hosted-style addressing. */
export async function s3TestApp(opts: { domains?: string[]; clock?: Clock } = {}): Promise<TestApp> {
  const cluster = new MemoryObjectCluster();
  const config: ProxyConfig = {
    ...DEFAULT_PROXY_CONFIG, authSecret: 'test-secret', developmentUsers: true, backend: 'memory',
    s3: { region: 'us-east-1', domains: opts.domains ?? ['s3.localhost'] },
  };
  const users = UserDirectory.fromRecords(DEVELOPMENT_USERS);
  if (!opts.clock) {
    const app = await buildApp({ cluster, users, config, log: silentLogger() });
    await app.ready();
    return { app, cluster };
  }
  // buildApp has no clock to pass on, so tests of time register the plugin on their own app.
  const log = silentLogger();
  const app = Fastify({ loggerInstance: log, exposeHeadRoutes: false }) as unknown as ProxyApp;
  await app.register(s3Plugin, {
    cluster, domains: config.s3.domains, region: 'us-east-1', log, clock: opts.clock,
    lookupCredential: (id) => {
      const u = users.lookupS3(id);
      return u && { account: `AUTH_${u.account}`, user: u.user, secret: u.key, roles: [...u.roles] };
    },
  });
  await app.ready();
  return { app, cluster };
}

export interface SignedRequest {
  method: string;
  /** Path with query, already encoded as it goes on the wire. */
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  accessKey?: string;
  secret?: string;
  /** Signing time; defaults to now. */
  nowMs?: number;
  host?: string;
  /** Overrides x-amz-content-sha256 (e.g. "UNSIGNED-PAYLOAD"). */
  payloadHash?: string;
  /** Signs only these headers and sends no x-amz-* headers (presigned URLs). */
  signOnly?: string[];
}

export function amzDateOf(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, '');
}

/** Signs a request the way SDKs do (header SigV4) and returns inject() options. */
export function signRequest(r: SignedRequest): { method: string; url: string; headers: Record<string, string>; payload?: string | Buffer } {
  const body = r.body ?? '';
  const amzDate = amzDateOf(r.nowMs ?? Date.now());
  const payloadHash = r.payloadHash ?? createHash('sha256').update(body).digest('hex');
  const headers: Record<string, string> = r.signOnly
    ? { host: r.host ?? 'localhost', ...r.headers }
    : { host: r.host ?? 'localhost', 'x-amz-date': amzDate, 'x-amz-content-sha256': payloadHash, ...r.headers };
  if (body.length > 0 || ['PUT', 'POST'].includes(r.method)) headers['content-length'] = String(Buffer.byteLength(body));
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = v;
  const signedHeaders = r.signOnly ?? Object.keys(lower).filter((h) => h === 'host' || h.startsWith('x-amz-') || h === 'content-md5' || h === 'content-type').sort();
  const credential: Credential = { accessKeyId: r.accessKey ?? 'test:tester', date: amzDate.slice(0, 8), region: 'us-east-1', service: 's3' };
  const q = r.url.indexOf('?');
  const canonical = canonicalRequest({
    method: r.method, path: q < 0 ? r.url : r.url.slice(0, q), query: parseQuery(q < 0 ? '' : r.url.slice(q + 1)),
    headers: lower, signedHeaders, payloadHash,
  });
  const signature = sign(signingKey(r.secret ?? 'testing', credential), stringToSign(amzDate, credential, canonical));
  lower.authorization = `AWS4-HMAC-SHA256 Credential=${credential.accessKeyId}/${scopeOf(credential)}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`;
  return { method: r.method, url: r.url, headers: lower, payload: r.body };
}

/** Sends a signed request through inject(). */
export function send(app: ProxyApp, r: SignedRequest): Promise<LightMyRequestResponse> {
  return app.inject(signRequest(r) as InjectOptions);
}

/** The text of an XML element in a response body (first occurrence), for assertions. */
export function xmlText(body: string, element: string): string | undefined {
  const m = new RegExp(`<${element}>([\\s\\S]*?)</${element}>`).exec(body);
  return m?.[1];
}

/** The S3 code `fn` throws (S3Error), or "none". */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return err instanceof S3Error ? err.s3Code : `not an S3Error: ${String(err)}`;
  }
  return 'none';
}

export { ManualClock };
