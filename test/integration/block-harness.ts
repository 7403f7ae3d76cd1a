/**
 * A block test stack in one process: in-process extent nodes (block-nodes.ts), a volume manager
 * and a gateway on a free loopback port; external clients (qemu-img, qemu-io, nbdinfo, nbdsh)
 * are spawned against it with bounded run times.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { silentLogger } from '../../common/index.js';
import { startBlockGateway, VolumeManager, type BlockGateway, type BlockGatewayOptions } from '../../block/index.js';
import { BlockTestNodes, TEST_PEER_SECRET } from './block-nodes.js';

const run = promisify(execFile);

export interface BlockStack {
  nodes: BlockTestNodes;
  manager: VolumeManager;
  gateway: BlockGateway;
  uri(exportName: string): string;
  close(): Promise<void>;
}

export async function startBlockStack(extra: Partial<BlockGatewayOptions> = {}): Promise<BlockStack> {
  const nodes = await BlockTestNodes.start(3);
  const manager = new VolumeManager({ registers: nodes.registers, extents: nodes.extents, placement: nodes.placement });
  const gateway = await startBlockGateway({
    port: 0, peerSecret: TEST_PEER_SECRET, placement: nodes.placement, log: silentLogger(), tickMs: 200, leaseTtlMs: 3_000, ...extra,
  });
  return {
    nodes, manager, gateway,
    uri: (name) => `nbd://127.0.0.1:${gateway.port}/${name}`,
    close: async () => {
      await gateway.close();
      await nodes.close();
    },
  };
}

/** Runs a client program; rejects with its stderr on failure. */
export async function client(cmd: string, args: string[], timeoutMs = 60_000): Promise<string> {
  try {
    // Debian's python3-libnbd lives under /usr/bin/python3, not a pyenv interpreter earlier on PATH.
    const env = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}` };
    const { stdout } = await run(cmd, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}`);
  }
}

/** Runs an nbdsh (python3-libnbd) script against a URI. */
export function nbdsh(uri: string, script: string, timeoutMs = 60_000): Promise<string> {
  return client('/usr/bin/nbdsh', ['--base-allocation', '-u', uri, '-c', script], timeoutMs);
}
