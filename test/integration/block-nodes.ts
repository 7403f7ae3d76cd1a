/**
 * In-process storage nodes that carry only the extent service, on real gRPC servers and real
 * files, for block-layer tests: start N, stop and restart any of them, clean up in teardown.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { silentLogger } from '../../common/index.js';
import { ExtentClient, RegisterClient, StaticBlockPlacement, type BlockReplica } from '../../cluster/index.js';
import { addExtentService } from '../../storage-node/extent-service.js';

export const TEST_PEER_SECRET = 'block-test-secret';

interface Node { dir: string; port: number; server?: Server; close?: () => Promise<void> }

export class BlockTestNodes {
  readonly nodes: Node[] = [];
  readonly replicas: BlockReplica[] = [];
  readonly placement: StaticBlockPlacement;
  readonly extents = new ExtentClient({ peerSecret: TEST_PEER_SECRET, timeoutMs: 3_000 });
  readonly registers: RegisterClient;

  private constructor(nodes: Node[], private readonly root: string) {
    this.nodes = nodes;
    nodes.forEach((n, i) => this.replicas.push({ id: i, ip: '127.0.0.1', port: n.port, device: 'd1' }));
    this.placement = new StaticBlockPlacement(this.replicas, 3);
    this.registers = new RegisterClient(this.extents, this.placement);
  }

  /** Starts `count` nodes with one device each. */
  static async start(count: number): Promise<BlockTestNodes> {
    const root = await mkdtemp(join(tmpdir(), 'strata-block-'));
    const nodes: Node[] = [];
    for (let i = 0; i < count; i++) nodes.push({ dir: join(root, `n${i}`), port: 0 });
    const set = new BlockTestNodes(nodes, root);
    for (let i = 0; i < count; i++) await set.startNode(i);
    return set;
  }

  /** (Re)starts node i on its port (a new port on first start). */
  async startNode(i: number): Promise<void> {
    const n = this.nodes[i];
    const server = new Server({ 'grpc.max_receive_message_length': 8 * 1024 * 1024 });
    n.close = addExtentService(server, { devices: [{ name: 'd1', path: n.dir }], peerSecret: TEST_PEER_SECRET, log: silentLogger() });
    n.port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`127.0.0.1:${n.port}`, ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
    });
    n.server = server;
    if (this.replicas[i]) this.replicas[i].port = n.port;
  }

  /** Stops node i abruptly (in-flight calls fail, unsynced writes stay in the page cache). */
  async stopNode(i: number): Promise<void> {
    const n = this.nodes[i];
    n.server?.forceShutdown();
    n.server = undefined;
    await n.close?.();
  }

  dirOf(i: number): string {
    return this.nodes[i].dir;
  }

  async close(): Promise<void> {
    this.extents.close();
    for (let i = 0; i < this.nodes.length; i++) await this.stopNode(i);
    await rm(this.root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
}
