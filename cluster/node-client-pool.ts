/**
 * NodeClientPool: one NodeClient (one HTTP/2 channel) per storage-node address, created on first
 * use and reused for the life of the process, so that calls never pay a connection set-up.
 */
import { NodeClient } from './node-client.js';
import type { NodeClientConfig } from './node-client-config.js';

export class NodeClientPool {
  private readonly clients = new Map<string, NodeClient>();

  constructor(readonly config: NodeClientConfig) {}

  /** The client of the node at ip:port. */
  get(ip: string, port: number): NodeClient {
    const key = `${ip}:${port}`;
    let client = this.clients.get(key);
    if (!client) {
      client = new NodeClient(ip, port, this.config);
      this.clients.set(key, client);
    }
    return client;
  }

  /** Closes every channel (at process shutdown, or in tests). */
  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }
}
