import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../common/index.js';
import { startBlockGateway } from '../../block/index.js';
import { startBlockStack, client, type BlockStack } from './block-harness.js';
import { TEST_PEER_SECRET } from './block-nodes.js';

const MiB = 1024 * 1024;
const BLOCKS = 256; // 4 KiB blocks in the region the writer sweeps
let stack: BlockStack;
let dir: string;

t.before(async () => {
  stack = await startBlockStack();
  dir = await mkdtemp(join(tmpdir(), 'strata-snap-'));
});
t.teardown(async () => {
  await stack.close();
  await rm(dir, { recursive: true, force: true });
});

/** Starts an nbdsh writer sweeping rounds: round r writes byte r into every block in order. */
function startWriter(uri: string, rounds: number) {
  const script = `
import sys
for r in range(1, ${rounds} + 1):
    buf = bytes([r]) * 4096
    for b in range(${BLOCKS}):
        h.pwrite(buf, b * 4096)
    print(r, flush=True)
`;
  const child = spawn('/usr/bin/nbdsh', ['-u', uri, '-c', script], { env: { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}` } });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  const done = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, done, rounds: () => out.trim().split('\n').filter(Boolean).length };
}

/** True when the region is "blocks [0,k) at round r, blocks [k,n) at round r-1". */
function isPointInTime(buf: Buffer): { ok: boolean; detail: string } {
  const vals = Array.from({ length: BLOCKS }, (_, b) => buf[b * 4096]);
  for (let b = 0; b < BLOCKS; b++) {
    const block = buf.subarray(b * 4096, (b + 1) * 4096);
    if (!block.every((x) => x === vals[b])) return { ok: false, detail: `block ${b} is torn` };
  }
  const r = vals[0];
  const k = vals.findIndex((v) => v !== r);
  if (k < 0) return { ok: true, detail: `all at round ${r}` };
  const ok = vals.slice(k).every((v) => v === r - 1);
  return { ok, detail: `first ${k} blocks at round ${r}, rest ${ok ? `at ${r - 1}` : 'mixed'}` };
}

t.test('a snapshot taken while a writer runs is a point in time; clones live their own life', async (t) => {
  await stack.manager.create('live', 32 * MiB);
  const writer = startWriter(stack.uri('live'), 400);
  t.teardown(() => writer.child.kill('SIGKILL'));
  const deadline = Date.now() + 60_000;
  while (writer.rounds() < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  t.ok(writer.rounds() >= 1, 'writer is running');

  // A second gateway cannot take the volume while the first one writes it.
  const other = await startBlockGateway({ port: 0, peerSecret: TEST_PEER_SECRET, placement: stack.nodes.placement, log: silentLogger() });
  t.teardown(() => other.close());
  await t.rejects(client('qemu-io', ['-f', 'raw', '-c', 'read 0 4k', `nbd://127.0.0.1:${other.port}/live`]), /in use by gateway/);

  const snap = await stack.manager.snapshot('live', 's1');
  t.equal(snap.name, 's1');
  writer.child.kill('SIGKILL');
  await writer.done;

  const file = join(dir, 's1.raw');
  await client('qemu-img', ['convert', '-f', 'raw', '-O', 'raw', stack.uri('live@s1'), file]);
  const image = await readFile(file);
  const check = isPointInTime(image);
  t.ok(check.ok, `snapshot consistent: ${check.detail}`);
  await t.rejects(client('qemu-io', ['-f', 'raw', '-c', 'write 0 4k', stack.uri('live@s1')]), /read.only|Permission|not permitted/i, 'snapshot export is read-only');

  const clone = await stack.manager.clone('s1', 'c1', 'live');
  t.equal(clone.sizeBytes, 32 * MiB);
  await client('qemu-io', ['-f', 'raw', '-c', 'write -P 0xee 4k 4k', stack.uri('c1')]);
  const cloneOut = await client('qemu-io', ['-f', 'raw', '-c', `read -P ${image[0]} 0 4k`, '-c', 'read -P 0xee 4k 4k', stack.uri('c1')]);
  t.notMatch(cloneOut, /verification failed/i, 'clone reads the snapshot and its own writes');
  const snapOut = await client('qemu-io', ['-r', '-f', 'raw', '-c', `read -P ${image[4096]} 4k 4k`, stack.uri('live@s1')]);
  t.notMatch(snapOut, /verification failed/i, 'clone writes do not change the snapshot');

  // Deleting frees exactly what nothing else uses.
  await t.rejects(stack.manager.deleteSnapshot('s1', 'live'), { code: 'IN_USE' });
  const cloneLayer = clone.layers[0];
  t.ok(await stack.manager.layerBytes(cloneLayer) > 0);
  await stack.manager.delete('c1');
  t.equal(await stack.manager.layerBytes(cloneLayer), 0, 'clone layer freed');
  await stack.manager.deleteSnapshot('s1', 'live');
  const deadline2 = Date.now() + 10_000;
  let deleted: Awaited<ReturnType<typeof stack.manager.delete>> | undefined;
  while (!deleted && Date.now() < deadline2) {
    deleted = await stack.manager.delete('live').catch(() => undefined);
    if (!deleted) await new Promise((r) => setTimeout(r, 200));
  }
  t.ok(deleted, 'volume deleted once the writer has gone');
  for (const l of deleted?.freedLayers ?? []) t.equal(await stack.manager.layerBytes(l), 0, `layer ${l} freed`);
});

t.test('volume extend is seen by new connections while attached', async (t) => {
  await stack.manager.create('grow', 8 * MiB);
  const holder = spawn('/usr/bin/nbdsh', ['-u', stack.uri('grow'), '-c', 'import time\nh.pwrite(b"a" * 512, 0)\nprint("ready", flush=True)\ntime.sleep(20)'], { env: { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}` } });
  t.teardown(() => holder.kill('SIGKILL'));
  await new Promise((resolve) => holder.stdout.once('data', resolve));
  await stack.manager.extend('grow', 16 * MiB);
  await t.rejects(stack.manager.extend('grow', 4 * MiB), { code: 'INVALID_ARGUMENT' });
  const deadline = Date.now() + 10_000;
  let size = 0;
  while (size !== 16 * MiB && Date.now() < deadline) {
    size = Number((await client('nbdinfo', ['--size', stack.uri('grow')])).trim());
    if (size !== 16 * MiB) await new Promise((r) => setTimeout(r, 200));
  }
  t.equal(size, 16 * MiB);
  await client('qemu-io', ['-f', 'raw', '-c', 'write -P 7 15M 4k', stack.uri('grow')]);
});
