/**
 * A proxy app over MemoryObjectCluster with the development users, for inject() tests of the
 * Swift (and S3) routes; plus a helper that logs a user in through /auth/v1.0.
 */
import { ManualClock, silentLogger } from '../../common/index.js';
import { buildApp, type ProxyApp } from '../app.js';
import { DEVELOPMENT_USERS, UserDirectory } from '../auth/user-directory.js';
import { parseProxyConfig, type ProxyConfig } from '../config.js';
import { MemoryObjectCluster } from './memory-cluster.js';

export interface TestApp {
  app: ProxyApp;
  cluster: MemoryObjectCluster;
  config: Readonly<ProxyConfig>;
  clock: ManualClock;
}

/** Builds the app; `overrides` go into the proxy config. Close it in t.teardown. */
export async function buildTestApp(overrides: Record<string, unknown> = {}): Promise<TestApp> {
  const clock = new ManualClock(Date.now());
  const cluster = new MemoryObjectCluster(clock);
  const config = parseProxyConfig({ authSecret: 'test-secret-0123456789', backend: 'memory', ...overrides });
  const app = await buildApp({ cluster, users: UserDirectory.fromRecords(DEVELOPMENT_USERS), config, log: silentLogger(), clock });
  await app.ready();
  return { app, cluster, config, clock };
}

/** Logs in as "account:user" and returns the token and storage path (/v1/AUTH_account). */
export async function login(app: ProxyApp, id: string, key: string): Promise<{ token: string; path: string }> {
  const res = await app.inject({ method: 'GET', url: '/auth/v1.0', headers: { 'x-auth-user': id, 'x-auth-key': key } });
  if (res.statusCode !== 200) throw new Error(`login of ${id} failed: ${res.statusCode}`);
  return { token: String(res.headers['x-auth-token']), path: new URL(String(res.headers['x-storage-url'])).pathname };
}

export interface SwiftCall {
  method?: string;
  headers?: Record<string, string>;
  payload?: string | Buffer | NodeJS.ReadableStream;
}

/** A request function bound to a token: `call('PUT', '/c/o', { payload })`, paths relative to the account. */
export function swiftCaller(app: ProxyApp, session: { token: string; path: string }) {
  return (method: string, rel: string, opts: Omit<SwiftCall, 'method'> = {}) => app.inject({
    method: method as 'GET',
    url: `${session.path}${rel}`,
    headers: { 'x-auth-token': session.token, ...opts.headers },
    ...(opts.payload !== undefined ? { payload: opts.payload } : {}),
  });
}
