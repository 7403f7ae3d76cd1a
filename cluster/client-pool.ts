/**
 * ClientPool: one client (one HTTP/2 channel) per storage-node address and service, created on
 * first use and reused for the life of the process, so that calls never pay a connection set-up.
 * Each typed client (NodeClient, ReplicationClient, MovementClient) has a pool of this shape.
 */
import type { NodeClientConfig } from './node-client-config.js';

interface Closable { close(): void }

export class ClientPool<C extends Closable> {
  private readonly clients = new Map<string, C>();

  constructor(readonly config: NodeClientConfig, private readonly make: (ip: string, port: number, config: NodeClientConfig) => C) {}

  /** The client of the node at ip:port. */
  get(ip: string, port: number): C {
    const key = `${ip}:${port}`;
    let client = this.clients.get(key);
    if (!client) {
      client = this.make(ip, port, this.config);
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
