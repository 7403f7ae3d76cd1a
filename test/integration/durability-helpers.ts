/**
 * Helpers for the durability acceptance tests: run worker passes on real nodes through the
 * RunWorker admin call, and check every replica of an object and what each node's devices hold.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { Ring, ringFilePath } from '../../ring/index.js';
import {
  ReplicationClientPool, NodeClientPool, DEFAULT_NODE_CLIENT_CONFIG, type ObjectCluster,
} from '../../cluster/index.js';
import type { TestCluster } from './cluster.js';

export interface ReplicaView {
  device: string;
  /** MD5 of the replica's body; undefined when the replica has no live object. */
  etag?: string;
  error?: string;
}

export class DurabilityProbe {
  readonly ring: Promise<Ring>;
  private readonly rep: ReplicationClientPool;
  private readonly nodes: NodeClientPool;

  constructor(private readonly c: TestCluster) {
    this.ring = Ring.load(ringFilePath(c.ringDir, 'object'));
    const config = { ...DEFAULT_NODE_CLIENT_CONFIG, peerSecret: c.peerSecret, connectTimeoutMs: 1000, nodeTimeoutMs: 60_000 };
    this.rep = new ReplicationClientPool(config);
    this.nodes = new NodeClientPool(config);
  }

  close(): void {
    this.rep.close();
    this.nodes.close();
  }

  /** Runs `rounds` full passes of `worker` on every running node, node after node. */
  async runEverywhere(worker: string, rounds = 1): Promise<void> {
    for (let r = 0; r < rounds; r++) {
      for (const n of this.c.nodes) {
        if (!n.proc) continue;
        await this.rep.get('127.0.0.1', n.port).runWorker(worker, { timeoutMs: 120_000 });
      }
    }
  }

  /** What each primary of an object holds, read in full from that replica alone. */
  async replicas(account: string, container: string, object: string): Promise<ReplicaView[]> {
    const ring = await this.ring;
    const partition = ring.partOf(`/${account}/${container}/${object}`);
    return Promise.all(ring.primaries(partition).map(async (d): Promise<ReplicaView> => {
      try {
        const { body } = await this.nodes.get(d.ip, d.port).getObject({
          ref: { device: d.device, partition, account, container, object }, ranged: false, rangeStart: 0, rangeEnd: -1, suffixLength: 0,
        });
        const md5 = createHash('md5');
        for await (const chunk of body) md5.update(chunk as Buffer);
        return { device: d.device, etag: md5.digest('hex') };
      } catch (err) {
        const code = (err as { code?: string }).code;
        return code === 'NOT_FOUND' ? { device: d.device } : { device: d.device, error: `${code}: ${(err as Error).message}` };
      }
    }));
  }

  /** Partitions found on each node's device that the node is not a primary for. */
  async handoffPartitions(): Promise<string[]> {
    const ring = await this.ring;
    const out: string[] = [];
    for (const n of this.c.nodes) {
      const parts = await readdir(join(n.devicePath, 'objects')).catch(() => [] as string[]);
      for (const p of parts) {
        const primary = ring.primaries(Number(p)).some((d) => d.port === n.port && d.device === n.device);
        if (!primary) out.push(`${n.nodeId}/${p}`);
      }
    }
    return out;
  }
}

export const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

export function bodyOf(i: number, size = 2000): Buffer {
  const b = Buffer.alloc(size);
  for (let k = 0; k < size; k++) b[k] = (k * 31 + i * 7) % 251;
  return b;
}

/** PUT one object through the cluster; resolves to whether it was acknowledged. */
export async function tryPut(cluster: ObjectCluster, account: string, container: string, object: string, body: Buffer): Promise<boolean> {
  try {
    await cluster.putObject({ account, container, object, body: Readable.from([body]), contentType: 'application/octet-stream', metadata: {}, contentLength: body.length });
    return true;
  } catch {
    return false;
  }
}

/** Polls `fn` until true or `ms` pass. */
export async function eventually(fn: () => Promise<boolean>, ms = 10_000, stepMs = 200): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return fn();
}
