/**
 * NodeClientPool: the pool of NodeClients (object, container, account calls), one per node.
 */
import { NodeClient } from './node-client.js';
import { ClientPool } from './client-pool.js';
import type { NodeClientConfig } from './node-client-config.js';

export class NodeClientPool extends ClientPool<NodeClient> {
  constructor(config: NodeClientConfig) {
    super(config, (ip, port, c) => new NodeClient(ip, port, c));
  }
}
