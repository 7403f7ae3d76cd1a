import t from 'tap';
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startBlockStack, type BlockStack } from './block-harness.js';

const MiB = 1024 * 1024;
let stack: BlockStack;

t.before(async () => {
  stack = await startBlockStack();
});
t.teardown(() => stack.close());

/**
 * An nbdsh (python3-libnbd) session that stays connected (so the volume stays attached) and runs
 * one command a line: "w OFF LEN BYTE" pwrite, "z OFF LEN" write_zeroes, "t OFF LEN" trim,
 * "f" flush, "r OFF LEN" pread, answered with the distinct byte values read.
 */
function session(uri: string) {
  const script = `
import sys
for line in sys.stdin:
    a = line.split()
    if a[0] == 'w':
        h.pwrite(bytes([int(a[3])]) * int(a[2]), int(a[1]))
    elif a[0] == 'z':
        h.zero(int(a[2]), int(a[1]))
    elif a[0] == 't':
        h.trim(int(a[2]), int(a[1]))
    elif a[0] == 'f':
        h.flush()
    elif a[0] == 'r':
        print('r', ','.join(str(b) for b in sorted(set(h.pread(int(a[2]), int(a[1]))))), flush=True)
        continue
    print('ok', flush=True)
`;
  const child = spawn('/usr/bin/nbdsh', ['-u', uri, '-c', script], { env: { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}` } });
  let out = '';
  let err = '';
  const waiters: Array<(line: string) => void> = [];
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    let nl: number;
    while ((nl = out.indexOf('\n')) >= 0) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      waiters.shift()?.(line);
    }
  });
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const cmd = (line: string, timeoutMs = 30_000) => new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nbdsh did not answer "${line}": ${err}`)), timeoutMs);
    waiters.push((answer) => {
      clearTimeout(timer);
      resolve(answer);
    });
    child.stdin.write(`${line}\n`);
  });
  return {
    cmd,
    /** Distinct byte values of a range, e.g. "0" or "0,17". */
    bytes: async (offset: number, length: number) => (await cmd(`r ${offset} ${length}`)).replace(/^r /, ''),
    close: async () => {
      child.stdin.end();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      child.kill('SIGKILL');
    },
    kill: () => child.kill('SIGKILL'),
  };
}

/** Extent files of a layer on each node's disk. */
async function extentFiles(layer: string): Promise<number[][]> {
  return Promise.all(stack.nodes.nodes.map(async (n) => (await readdir(join(n.dir, 'block', layer)).catch(() => [] as string[]))
    .filter((f) => /^\d+$/.test(f)).map(Number).sort((a, b) => a - b)));
}

t.test('deleting a snapshot of an attached volume frees the extents it alone used, over NBD', async (t) => {
  await stack.manager.create('sf', 8 * MiB);
  const s = session(stack.uri('sf'));
  t.teardown(() => s.kill());
  for (let i = 0; i < 5; i++) t.equal(await s.cmd(`w ${i * MiB} ${MiB} 17`), 'ok');
  await s.cmd('f');
  const snap = await stack.manager.snapshot('sf', 's1');
  const layer = snap.layers[0];

  await s.cmd(`w 0 ${MiB} 34`); // extent 0 rewritten whole
  await s.cmd(`w ${MiB + 4096} 4096 51`); // extent 1: copied up, then written
  await s.cmd(`z ${2 * MiB} ${MiB}`); // extent 2: WRITE_ZEROES hides it whole
  await s.cmd(`z ${3 * MiB + 8192} 4096`); // extent 3: copied up, then partly zeroed
  t.same(await extentFiles(layer), [[0, 1, 2, 3, 4], [0, 1, 2, 3, 4], [0, 1, 2, 3, 4]], 'before: 5 extents per node');

  const out = await stack.manager.deleteSnapshotDetailed('s1', 'sf');
  t.same(out.freedLayers, [], 'the volume still reads the snapshot layer');
  t.equal(out.freedExtents, 12);
  t.same(await extentFiles(layer), [[4], [4], [4]], 'after: only extent 4, which the volume still reads from it');

  t.equal(await s.bytes(0, MiB), '34');
  t.equal(await s.bytes(MiB, 4096), '17');
  t.equal(await s.bytes(MiB + 4096, 4096), '51');
  t.equal(await s.bytes(MiB + 8192, MiB - 8192), '17');
  t.equal(await s.bytes(2 * MiB, MiB), '0', 'WRITE_ZEROES over snapshot data reads zeros');
  t.equal(await s.bytes(3 * MiB, 8192), '17');
  t.equal(await s.bytes(3 * MiB + 8192, 4096), '0');
  t.equal(await s.bytes(3 * MiB + 12288, MiB - 12288), '17');
  t.equal(await s.bytes(4 * MiB, MiB), '17', 'the extent still read from the old layer is intact');

  // A clone's unwritten extents come from its snapshot: zeroing them must read zeros, and the
  // origin must not change.
  const s2 = await stack.manager.snapshot('sf', 's2');
  await stack.manager.clone(s2.id, 'sfc');
  const c = session(stack.uri('sfc'));
  t.teardown(() => c.kill());
  t.equal(await c.bytes(4 * MiB, MiB), '17', 'the clone reads its parent');
  await c.cmd(`z ${4 * MiB + 4096} 4096`);
  await c.cmd(`t 0 ${MiB}`);
  await c.cmd('f');
  t.equal(await c.bytes(4 * MiB + 4096, 4096), '0', 'WRITE_ZEROES over parent data reads zeros');
  t.equal(await c.bytes(4 * MiB, 4096), '17');
  t.equal(await c.bytes(0, MiB), '0', 'a whole-extent TRIM over parent data reads zeros');
  t.equal(await s.bytes(0, MiB), '34', 'the origin keeps its data');
  t.equal(await s.bytes(4 * MiB, MiB), '17');
  await c.close();
  await s.close();
});
