/**
 * Acceptance with real processes: extent-serving storage processes (block-extent-node.ts), the
 * gateway, and qemu-img. A storage process killed with SIGKILL while qemu-img writes does not fail
 * the copy (majority writes); after the flush every byte reads back once it is back, and also
 * with another one down (so no read may come from a replica that missed writes).
 */
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../common/index.js';
import { ExtentClient, RegisterClient, StaticBlockPlacement, type BlockReplica } from '../../cluster/index.js';
import { startBlockGateway, VolumeManager } from '../../block/index.js';
import { client } from './block-harness.js';
import { freePort } from './all-in-one.js';

const MiB = 1024 * 1024;
const SECRET = 'kill-test-secret';
const NODE_ENTRY = fileURLToPath(new URL('../../dist/test/integration/block-extent-node.js', import.meta.url));

async function startNode(dir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [NODE_ENTRY, dir, String(port), SECRET], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('extent node did not start')), 15_000);
    child.stdout?.once('data', () => {
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) => reject(new Error(`extent node exited ${code}`)));
  });
  return child;
}

t.test('a storage process killed under qemu-img loses nothing that was flushed', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'strata-kill-'));
  const nodes: Array<{ dir: string; port: number; child?: ChildProcess }> = [];
  for (let i = 0; i < 4; i++) nodes.push({ dir: join(root, `n${i}`), port: await freePort() });
  t.teardown(async () => {
    for (const n of nodes) n.child?.kill('SIGKILL');
    await rm(root, { recursive: true, force: true });
  });
  for (const n of nodes) n.child = await startNode(n.dir, n.port);
  const replicas: BlockReplica[] = nodes.map((n, i) => ({ id: i, ip: '127.0.0.1', port: n.port, device: 'd1' }));
  const placement = new StaticBlockPlacement(replicas, 3);
  const extents = new ExtentClient({ peerSecret: SECRET, timeoutMs: 3_000 });
  t.teardown(() => extents.close());
  const manager = new VolumeManager({ registers: new RegisterClient(extents, placement), extents, placement });
  await manager.create('kv', 96 * MiB);
  const gw = await startBlockGateway({ port: 0, peerSecret: SECRET, placement, log: silentLogger(), tickMs: 300 });
  t.teardown(() => gw.close());
  const uri = `nbd://127.0.0.1:${gw.port}/kv`;

  const src = join(root, 'src.raw');
  const fh = await open(src, 'w');
  const buf = Buffer.alloc(MiB);
  for (let i = 0; i < 96; i++) {
    randomFillSync(buf);
    await fh.write(buf, 0, MiB, i * MiB);
  }
  await fh.close();

  const copy = client('qemu-img', ['convert', '-n', '-f', 'raw', '-O', 'raw', '-W', '-m', '4', src, uri], 180_000);
  await new Promise((r) => setTimeout(r, 1_000));
  nodes[2].child?.kill('SIGKILL');
  await copy;
  t.pass('qemu-img finished with a node killed mid-copy');

  nodes[2].child = await startNode(nodes[2].dir, nodes[2].port);
  const cmp1 = await client('qemu-img', ['compare', '-f', 'raw', '-F', 'raw', src, uri], 120_000);
  t.match(cmp1, /identical/i, 'every byte reads back after the node returned');

  nodes[1].child?.kill('SIGKILL');
  const cmp2 = await client('qemu-img', ['compare', '-f', 'raw', '-F', 'raw', src, uri], 120_000);
  t.match(cmp2, /identical/i, 'and with another node down');
});
