/**
 * Composition root of the proxy process: config, logger, users, cluster, app, listen; stops
 * cleanly on SIGINT/SIGTERM. `process.env` is read only here.
 */
import cluster from 'node:cluster';
import { dirname, resolve } from 'node:path';
import { createLogger, type Logger } from '../common/index.js';
import { buildApp } from './app.js';
import { DEVELOPMENT_USERS, UserDirectory } from './auth/user-directory.js';
import { loadProxyConfig, type ProxyConfig } from './config.js';
import { createCluster } from './cluster-factory.js';
import { createProxyMetrics } from './metrics.js';
import { startProxyWorkers, type RunningProxy } from './proxy-workers.js';

export type { RunningProxy } from './proxy-workers.js';

/** Development users (when enabled) plus the users file; a file entry replaces a namesake. */
async function loadUsers(config: Readonly<ProxyConfig>, configFile: string): Promise<UserDirectory> {
  const fromFile = config.usersFile
    ? (await UserDirectory.load(resolve(dirname(configFile), config.usersFile))).records()
    : [];
  const dev = config.developmentUsers
    ? DEVELOPMENT_USERS.filter((d) => !fromFile.some((f) => f.account === d.account && f.user === d.user))
    : [];
  return UserDirectory.fromRecords([...dev, ...fromFile]);
}

/**
 * Starts a proxy from a config file; with `workers` above 1, that many worker processes
 * sharing the port (this process then only supervises them).
 * @throws NOT_FOUND / INVALID_ARGUMENT for a bad config, users or cluster file
 */
export async function startProxy(configFile: string, log?: Logger): Promise<RunningProxy> {
  const loaded = await loadProxyConfig(configFile);
  // Paths in the config are relative to the config file, wherever the process was started.
  const config = Object.freeze({
    ...loaded,
    ...(loaded.clusterFile ? { clusterFile: resolve(dirname(configFile), loaded.clusterFile) } : {}),
  });
  const root = log ?? createLogger({ name: 'proxy', level: config.logLevel });
  // With several workers this process only forks and watches them (proxy-workers.ts).
  if (config.workers > 1 && cluster.isPrimary) return startProxyWorkers(resolve(configFile), config.workers, root);
  const users = await loadUsers(config, configFile);
  const handle = await createCluster(config, root.child({ component: 'cluster' }));
  const app = await buildApp({
    cluster: handle.cluster, users, config, log: root, metrics: createProxyMetrics(true), ringVersions: () => handle.ringVersions(),
  });
  const address = await app.listen({ host: config.bindIp, port: config.bindPort });
  root.info({ address, users: users.size }, 'proxy listening');
  return {
    url: address,
    close: async () => {
      await app.close();
      await handle.close();
    },
  };
}
