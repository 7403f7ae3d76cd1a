/**
 * The proxy's configuration: one typed schema with defaults, parsed once at start (every error
 * reported together), frozen and passed down. Documented by etc/proxy.sample.json.
 */
import { readFile } from 'node:fs/promises';
import { StoreError } from '../common/index.js';
import { parseClusterTuning, type ClusterTuning } from './cluster-tuning.js';

export interface ProxyConfig {
  bindIp: string;
  bindPort: number;
  /** HMAC secret for Swift auth tokens; every proxy of a cluster must share it. */
  authSecret: string;
  /** Lifetime of a Swift auth token in seconds (tempauth's token_life, default 86400). */
  tokenTtlSec: number;
  /** Users file (etc/proxy-users.sample.json); relative paths are taken from the config file. */
  usersFile?: string;
  /** Adds the all-in-one's development users (DEVELOPMENT_USERS). Never in production. */
  developmentUsers: boolean;
  /** Largest object body in bytes (Swift's max_file_size). */
  maxFileSize: number;
  /** Where the proxy finds the cluster: "cluster" (rings, storage nodes) or "memory" (testing). */
  backend: 'cluster' | 'memory';
  /** Cluster file (tools/cluster-config.ts format) for backend "cluster". */
  clusterFile?: string;
  /** Cluster client tuning for backend "cluster" (cluster-tuning.ts); absent fields keep defaults. */
  cluster?: Readonly<ClusterTuning>;
  s3: { region: string; domains: string[] };
  /**
   * Processes serving the port (node:cluster): 1 serves from this process; more fork that many
   * workers sharing the port, so the proxy can use more than one core.
   */
  workers: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export const DEFAULT_PROXY_CONFIG: Readonly<Omit<ProxyConfig, 'authSecret'>> = Object.freeze({
  bindIp: '127.0.0.1',
  bindPort: 8080,
  tokenTtlSec: 86400,
  developmentUsers: false,
  maxFileSize: 5368709122,
  backend: 'cluster',
  s3: { region: 'us-east-1', domains: [] },
  workers: 1,
  logLevel: 'info',
});

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Validates a parsed config object, filling defaults.
 * @throws INVALID_ARGUMENT listing every problem found
 */
export function parseProxyConfig(raw: unknown): Readonly<ProxyConfig> {
  const errors: string[] = [];
  const src = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  if (typeof raw !== 'object' || raw === null) errors.push('the config must be a JSON object');
  const cfg = { ...DEFAULT_PROXY_CONFIG, s3: { ...DEFAULT_PROXY_CONFIG.s3 } } as ProxyConfig;
  const str = (key: 'bindIp' | 'authSecret' | 'usersFile' | 'clusterFile', required = false): void => {
    const v = src[key];
    if (v === undefined) {
      if (required) errors.push(`"${key}" is required`);
    } else if (typeof v !== 'string' || v === '') errors.push(`"${key}" must be a non-empty string`);
    else cfg[key] = v;
  };
  const int = (key: 'bindPort' | 'tokenTtlSec' | 'maxFileSize' | 'workers', min: number, max: number): void => {
    const v = src[key];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) errors.push(`"${key}" must be an integer from ${min} to ${max}`);
    else cfg[key] = v;
  };
  str('bindIp');
  str('authSecret', true);
  str('usersFile');
  str('clusterFile');
  int('bindPort', 0, 65535);
  int('tokenTtlSec', 1, 365 * 86400);
  int('maxFileSize', 1, Number.MAX_SAFE_INTEGER);
  int('workers', 1, 64);
  if (src.developmentUsers !== undefined) {
    if (typeof src.developmentUsers !== 'boolean') errors.push('"developmentUsers" must be true or false');
    else cfg.developmentUsers = src.developmentUsers;
  }
  if (src.backend !== undefined) {
    if (src.backend !== 'cluster' && src.backend !== 'memory') errors.push('"backend" must be "cluster" or "memory"');
    else cfg.backend = src.backend;
  }
  if (src.logLevel !== undefined) {
    if (typeof src.logLevel !== 'string' || !LEVELS.includes(src.logLevel)) errors.push(`"logLevel" must be one of ${LEVELS.join(', ')}`);
    else cfg.logLevel = src.logLevel as ProxyConfig['logLevel'];
  }
  const s3 = src.s3 as Record<string, unknown> | undefined;
  if (s3 !== undefined) {
    if (typeof s3 !== 'object' || s3 === null) errors.push('"s3" must be an object');
    else {
      if (s3.region !== undefined) {
        if (typeof s3.region !== 'string' || s3.region === '') errors.push('"s3.region" must be a non-empty string');
        else cfg.s3.region = s3.region;
      }
      if (s3.domains !== undefined) {
        if (!Array.isArray(s3.domains) || s3.domains.some((d) => typeof d !== 'string')) errors.push('"s3.domains" must be an array of strings');
        else cfg.s3.domains = [...(s3.domains as string[])];
      }
    }
  }
  if (src.cluster !== undefined) {
    const parsed = parseClusterTuning(src.cluster);
    errors.push(...parsed.errors);
    if (parsed.tuning) cfg.cluster = parsed.tuning;
  }
  if (typeof cfg.authSecret === 'string' && cfg.authSecret.length < 16) errors.push('"authSecret" must have at least 16 characters');
  if (cfg.backend === 'cluster' && cfg.clusterFile === undefined && errors.length === 0) {
    errors.push('"clusterFile" is required with backend "cluster"');
  }
  if (errors.length > 0) throw new StoreError('INVALID_ARGUMENT', `Cannot use proxy config: ${errors.join('; ')}`);
  return Object.freeze({ ...cfg, s3: Object.freeze(cfg.s3) });
}

/**
 * Reads and validates a config file.
 * @throws NOT_FOUND when unreadable; INVALID_ARGUMENT when malformed
 */
export async function loadProxyConfig(file: string): Promise<Readonly<ProxyConfig>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new StoreError('NOT_FOUND', `Cannot read proxy config "${file}"`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new StoreError('INVALID_ARGUMENT', `Cannot parse proxy config "${file}": not JSON`, { cause: err });
  }
  return parseProxyConfig(parsed);
}
