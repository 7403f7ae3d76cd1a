/**
 * The storage-node process (`strata storage-node --config FILE`): config, the one root logger,
 * the node, the metrics side door, and a graceful stop on SIGTERM/SIGINT. Logs one JSON line
 * "storage node ready" with the bound port once it serves (tests and the all-in-one wait for it).
 */
import { createLogger } from '../common/index.js';
import { loadStorageNodeConfig } from './config.js';
import { startStorageNode } from './storage-node.js';
import { startMetricsServer } from './metrics-server.js';

/**
 * Runs a node until a signal stops it.
 * @throws NOT_FOUND, INVALID_ARGUMENT (config), UNAVAILABLE (port taken)
 */
export async function runStorageNode(configFile: string): Promise<void> {
  const config = await loadStorageNodeConfig(configFile);
  const log = createLogger({ name: 'storage-node', level: config.logLevel }).child({ nodeId: config.nodeId });
  const node = await startStorageNode(config, log);
  let metricsPort = 0;
  let closeMetrics = async () => undefined as void;
  if (config.metricsPort > 0) {
    const m = await startMetricsServer(node.metrics.registry, config.bindIp, config.metricsPort);
    metricsPort = m.port;
    closeMetrics = () => new Promise<void>((resolve) => m.server.close(() => resolve()));
  }
  log.info({ port: node.port, bindIp: config.bindIp, metricsPort, devices: config.devices.map((d) => d.name) }, 'storage node ready');
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'storage node stopping');
      Promise.all([node.stop(), closeMetrics()]).finally(() => resolve());
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  log.info('storage node stopped');
  log.flush();
}
