/**
 * The storage node's configuration: one typed schema with defaults, parsed once at start with
 * every problem reported together, frozen and passed down. Documented by
 * etc/storage-node.sample.json. Relative paths are taken from the config file's folder.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { StoreError } from '../common/index.js';
import type { DeviceConfig } from './devices.js';
import { parseDurabilityConfig, DURABILITY_CONFIG_KEYS, type DurabilityConfig } from './durability-config.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Durability options (replicator, auditor, expirer): see durability-config.ts. */
export interface StorageNodeConfig extends DurabilityConfig {
  /** Name in logs and NodeInfo. */
  nodeId: string;
  bindIp: string;
  /** gRPC port; 0 picks a free one (logged in "storage node ready"). */
  port: number;
  devices: DeviceConfig[];
  /** Folder of the *.ring.gz files (ring versions, partition checks, the hash secret). */
  ringDir: string;
  /** Credential peers must send (metadata x-strata-peer); or read from peerSecretFile. */
  peerSecret: string;
  /** Path-hash secret; default: the one recorded in the object ring. */
  hashSecret?: string;
  /** Writes fail with NO_SPACE when a device has less free space than this (bytes). */
  reserveBytes: number;
  logLevel: LogLevel;
  /** HTTP port for /metrics and /healthcheck; 0: off. */
  metricsPort: number;
  /** Pause of the updater between idle passes (ms). */
  updaterIntervalMs: number;
  /** Longest wait for a container replica's answer before an update is journalled (ms). */
  containerUpdateTimeoutMs: number;
  /** True: a missing device folder is an unmounted disk. False: create it at start (all-in-one). */
  mountCheck: boolean;
}

export const DEFAULT_STORAGE_NODE_CONFIG = Object.freeze({
  bindIp: '127.0.0.1',
  port: 6200,
  reserveBytes: 0,
  logLevel: 'info' as LogLevel,
  metricsPort: 0,
  updaterIntervalMs: 5000,
  containerUpdateTimeoutMs: 2000,
  mountCheck: false,
});

const LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Validates a parsed config object; `baseDir` resolves relative paths. Secrets in files are read
 * by loadStorageNodeConfig, not here.
 * @throws INVALID_ARGUMENT listing every problem found
 */
export function parseStorageNodeConfig(raw: unknown, baseDir: string, secretFromFile?: string): Readonly<StorageNodeConfig> {
  const errors: string[] = [];
  const src = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
  if (src !== raw) errors.push('the config must be a JSON object');
  const str = (key: string, required: boolean): string | undefined => {
    const v = src[key];
    if (v === undefined) { if (required) errors.push(`"${key}" is required`); return undefined; }
    if (typeof v !== 'string' || v === '') { errors.push(`"${key}" must be a non-empty string`); return undefined; }
    return v;
  };
  const int = (key: string, def: number, min: number, max: number): number => {
    const v = src[key];
    if (v === undefined) return def;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) { errors.push(`"${key}" must be an integer from ${min} to ${max}`); return def; }
    return v;
  };
  const nodeId = str('nodeId', true) ?? '';
  const bindIp = str('bindIp', false) ?? DEFAULT_STORAGE_NODE_CONFIG.bindIp;
  const ringDir = str('ringDir', true) ?? '';
  const hashSecret = str('hashSecret', false);
  const inlineSecret = str('peerSecret', false);
  str('peerSecretFile', false);
  if (inlineSecret === undefined && secretFromFile === undefined) errors.push('"peerSecret" or "peerSecretFile" is required');
  const devices: DeviceConfig[] = [];
  if (!Array.isArray(src.devices) || src.devices.length === 0) errors.push('"devices" must be a non-empty list of { name, path }');
  else {
    src.devices.forEach((d: unknown, i) => {
      const dev = d as Partial<DeviceConfig> | null;
      if (!dev || typeof dev.name !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(dev.name) || dev.name === '.' || dev.name === '..') {
        errors.push(`"devices[${i}].name" must be 1-64 letters, digits, "_", "." or "-"`);
      } else if (typeof dev.path !== 'string' || dev.path === '') errors.push(`"devices[${i}].path" must be a non-empty string`);
      else if (devices.some((x) => x.name === dev.name)) errors.push(`"devices[${i}].name" "${dev.name}" is repeated`);
      else devices.push({ name: dev.name, path: resolve(baseDir, dev.path) });
    });
  }
  let logLevel = DEFAULT_STORAGE_NODE_CONFIG.logLevel;
  if (src.logLevel !== undefined) {
    if (typeof src.logLevel !== 'string' || !LEVELS.includes(src.logLevel)) errors.push(`"logLevel" must be one of ${LEVELS.join(', ')}`);
    else logLevel = src.logLevel as LogLevel;
  }
  let mountCheck: boolean = DEFAULT_STORAGE_NODE_CONFIG.mountCheck;
  if (src.mountCheck !== undefined) {
    if (typeof src.mountCheck !== 'boolean') errors.push('"mountCheck" must be true or false');
    else mountCheck = src.mountCheck;
  }
  const durability = parseDurabilityConfig(src, errors);
  const cfg: StorageNodeConfig = {
    ...durability,
    nodeId, bindIp, ringDir: ringDir && resolve(baseDir, ringDir), devices, logLevel, mountCheck,
    peerSecret: inlineSecret ?? secretFromFile ?? '',
    port: int('port', DEFAULT_STORAGE_NODE_CONFIG.port, 0, 65535),
    reserveBytes: int('reserveBytes', DEFAULT_STORAGE_NODE_CONFIG.reserveBytes, 0, Number.MAX_SAFE_INTEGER),
    metricsPort: int('metricsPort', DEFAULT_STORAGE_NODE_CONFIG.metricsPort, 0, 65535),
    updaterIntervalMs: int('updaterIntervalMs', DEFAULT_STORAGE_NODE_CONFIG.updaterIntervalMs, 10, 3_600_000),
    containerUpdateTimeoutMs: int('containerUpdateTimeoutMs', DEFAULT_STORAGE_NODE_CONFIG.containerUpdateTimeoutMs, 10, 600_000),
    ...(hashSecret !== undefined ? { hashSecret } : {}),
  };
  const known = new Set([...Object.keys(cfg), ...DURABILITY_CONFIG_KEYS, 'peerSecretFile', 'hashSecret']);
  for (const key of Object.keys(src)) if (!known.has(key)) errors.push(`"${key}" is not a known option`);
  if (errors.length > 0) throw new StoreError('INVALID_ARGUMENT', `Cannot use storage-node config: ${errors.join('; ')}`);
  return Object.freeze(cfg);
}

/**
 * Reads and validates a config file (and its peerSecretFile).
 * @throws NOT_FOUND (file missing), INVALID_ARGUMENT (not JSON, or invalid)
 */
export async function loadStorageNodeConfig(file: string): Promise<Readonly<StorageNodeConfig>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new StoreError('NOT_FOUND', `Cannot read storage-node config "${file}"`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new StoreError('INVALID_ARGUMENT', `Cannot parse storage-node config "${file}": ${(err as Error).message}`);
  }
  const baseDir = dirname(resolve(file));
  const secretFile = (raw as { peerSecretFile?: unknown } | null)?.peerSecretFile;
  let secret: string | undefined;
  if (typeof secretFile === 'string' && secretFile) {
    try {
      secret = (await readFile(resolve(baseDir, secretFile), 'utf8')).trim();
    } catch {
      throw new StoreError('NOT_FOUND', `Cannot read peer secret file "${secretFile}"`);
    }
  }
  return parseStorageNodeConfig(raw, baseDir, secret);
}
