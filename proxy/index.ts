/**
 * proxy/: the stateless HTTP front (Swift API v1 and S3 on one port). Imports common/, ring/
 * and cluster/ only; nothing but tools/, bench/ and test/ imports it.
 */
export { buildApp, type AppDeps, type ProxyApp } from './app.js';
export { startProxy, type RunningProxy } from './main.js';
export { parseProxyConfig, loadProxyConfig, DEFAULT_PROXY_CONFIG, type ProxyConfig } from './config.js';
export { UserDirectory, DEVELOPMENT_USERS, type UserRecord } from './auth/user-directory.js';
export { MemoryObjectCluster } from './testing/memory-cluster.js';
export { createCluster, type ClusterHandle } from './cluster-factory.js';
export { swiftInfo, swiftConstraints } from './swift/constraints.js';
export { createProxyMetrics, type ProxyMetrics } from './metrics.js';
