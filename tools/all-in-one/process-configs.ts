/**
 * Writes the config file of every all-in-one process from the layout (on every start, so a
 * newer Strata's defaults apply) and returns how to launch each of them.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../common/index.js';
import type { ClusterConfig } from '../cluster-config.js';
import type { ChildSpec } from './supervisor.js';
import type { AllInOneLayout } from './layout.js';

export interface ProcessSpecs {
  nodes: ChildSpec[];
  proxy: ChildSpec;
  blockGateway?: ChildSpec;
}

export async function writeProcessConfigs(dataDir: string, layout: AllInOneLayout, logLevel: string): Promise<ProcessSpecs> {
  const clusterFile = join(dataDir, 'cluster.json');
  const cluster = JSON.parse(await readFile(clusterFile, 'utf8')) as ClusterConfig;
  const logs = join(dataDir, 'logs');

  const nodes: ChildSpec[] = [];
  for (const node of layout.nodes) {
    const file = join(dataDir, 'nodes', `${node.id}.json`);
    await writeFileAtomic(file, JSON.stringify({
      nodeId: node.id,
      bindIp: layout.bindIp,
      port: node.port,
      devices: node.devices.map((name) => ({ name, path: join(node.id, name) })),
      ringDir: '../rings',
      peerSecret: cluster.peerSecret,
      logLevel,
      mountCheck: false,
    }, null, 2));
    nodes.push({ name: node.id, args: ['storage-node', '--config', file], logFile: join(logs, `${node.id}.log`), ready: { host: layout.bindIp, port: node.port } });
  }

  const authSecret = (await readFile(join(dataDir, 'token-secret'), 'utf8')).trim();
  const proxyFile = join(dataDir, 'proxy.json');
  await writeFileAtomic(proxyFile, JSON.stringify({
    bindIp: layout.bindIp,
    bindPort: layout.proxyPort,
    authSecret,
    developmentUsers: true,
    backend: 'cluster',
    clusterFile,
    logLevel,
  }, null, 2));
  const proxy: ChildSpec = { name: 'proxy', args: ['proxy', '--config', proxyFile], logFile: join(logs, 'proxy.log'), ready: { host: layout.bindIp, port: layout.proxyPort } };

  const blockGateway: ChildSpec = {
    name: 'block-gateway',
    args: ['block-gateway', '--cluster', clusterFile, '--host', layout.bindIp, '--port', String(layout.blockPort), '--log-level', logLevel],
    logFile: join(logs, 'block-gateway.log'),
    ready: { host: layout.bindIp, port: layout.blockPort },
  };

  return { nodes, proxy, blockGateway };
}
