import t from 'tap';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomFillSync } from 'node:crypto';
import { startBlockStack, client, type BlockStack } from './block-harness.js';

const MiB = 1024 * 1024;
const IMAGE_MIB = Number(process.env.STRATA_BLOCK_IMAGE_MIB ?? 1024);
let stack: BlockStack;
let dir: string;

t.before(async () => {
  stack = await startBlockStack();
  dir = await mkdtemp(join(tmpdir(), 'strata-qemu-'));
});
t.teardown(async () => {
  await stack.close();
  await rm(dir, { recursive: true, force: true });
});

async function sha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** A raw image of random data, with some holes so that sparse handling is exercised too. */
async function makeImage(path: string, mib: number): Promise<void> {
  const fh = await open(path, 'w');
  const buf = Buffer.alloc(MiB);
  for (let i = 0; i < mib; i++) {
    if (i % 7 === 3) continue;
    randomFillSync(buf);
    await fh.write(buf, 0, MiB, i * MiB);
  }
  await fh.truncate(mib * MiB);
  await fh.close();
}

t.test(`qemu-img convert of a ${IMAGE_MIB} MiB random image into a volume and back is identical`, async (t) => {
  const src = join(dir, 'src.raw');
  const back = join(dir, 'back.raw');
  await makeImage(src, IMAGE_MIB);
  await stack.manager.create('img', IMAGE_MIB * MiB);
  const t0 = Date.now();
  await client('qemu-img', ['convert', '-n', '-f', 'raw', '-O', 'raw', '-W', '-m', '8', src, stack.uri('img')], 300_000);
  const t1 = Date.now();
  await client('qemu-img', ['convert', '-f', 'raw', '-O', 'raw', stack.uri('img'), back], 300_000);
  const t2 = Date.now();
  t.comment(`write ${(IMAGE_MIB / ((t1 - t0) / 1000)).toFixed(0)} MiB/s, read ${(IMAGE_MIB / ((t2 - t1) / 1000)).toFixed(0)} MiB/s`);
  t.equal(await sha256(back), await sha256(src), 'checksums match');
  const cmp = await client('qemu-img', ['compare', '-f', 'raw', '-F', 'raw', src, stack.uri('img')], 300_000);
  t.match(cmp, /identical/i);
});

t.test('qemu-io writes and reads patterns near the end of a 5 TiB thin volume', async (t) => {
  const size = 5 * 1024 * 1024 * MiB;
  await stack.manager.create('huge', size);
  const end = size - 64 * 1024;
  await client('qemu-io', ['-f', 'raw', '-c', `write -P 0x5e ${end} 64k`, '-c', `write -P 0x11 ${size / 2} 4k`, stack.uri('huge')]);
  const out = await client('qemu-io', ['-f', 'raw', '-c', `read -P 0x5e ${end} 64k`, '-c', `read -P 0x11 ${size / 2} 4k`, '-c', `read -P 0 ${end - 4096} 4k`, stack.uri('huge')]);
  t.notMatch(out, /verification failed/i);
  const info = JSON.parse(await client('nbdinfo', ['--json', stack.uri('huge')])) as { exports: Array<{ 'export-size': number }> };
  t.equal(info.exports[0]['export-size'], size);
  const details = await stack.manager.show('huge');
  t.ok(details.usedBytes < 4 * MiB, `thin: ${details.usedBytes} bytes used`);
});
