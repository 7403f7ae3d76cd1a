import t from 'tap';
import { readFile, writeFile } from 'node:fs/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { Ring, ringFilePath } from './ring.js';
import { RingBuilder } from './builder.js';
import { addLayout } from './test-layouts.js';

async function makeRing(dir: string, secret = 'secret'): Promise<string> {
  const b = RingBuilder.create({ partPower: 8, replicas: 3, minPartHours: 1, hashSecret: secret });
  addLayout(b, { regions: 2, zones: 3, servers: 2, disks: 2 });
  b.rebalance({ seed: 1 });
  const file = ringFilePath(dir, 'object');
  await b.writeRing(file);
  return file;
}

t.test('Ring.partOf() is stable, in range, and depends on the hash secret', async (t) => {
  const dir = t.testdir({});
  const a = await Ring.load(await makeRing(dir));
  const other = join(dir, 'other');
  await import('node:fs/promises').then((fs) => fs.mkdir(other));
  const b = await Ring.load(await makeRing(other, 'another secret'));
  t.equal(a.partCount, 256);
  t.equal(a.replicaCount, 3);
  t.equal(a.version, 1);
  const seen = new Set<number>();
  let differs = 0;
  const outOfRange: string[] = [];
  for (let i = 0; i < 2000; i++) {
    const path = `/acct/cont/obj-${i}`;
    const p = a.partOf(path);
    if (!(Number.isInteger(p) && p >= 0 && p < 256)) outOfRange.push(path);
    seen.add(p);
    if (p !== b.partOf(path)) differs++;
    if (i < 5) t.equal(a.partOf(path), p, 'same path, same partition');
  }
  t.same(outOfRange, [], 'every partition in range');
  t.ok(seen.size > 240, 'paths spread over the partitions');
  t.ok(differs > 1900, 'another secret places paths elsewhere');
  t.equal(a.partOf('/a/c/\u00e9\u{1F600}'), a.partOf('/a/c/\u00e9\u{1F600}'), 'non-ASCII paths hash');
  t.not(a.partOf('/a/c/o'), undefined);
  t.equal(a.partOf('/' + 'x'.repeat(5000)), a.partOf('/' + 'x'.repeat(5000)), 'long paths hash');
});

t.test('Ring.primaries() gives distinct devices in distinct zones', async (t) => {
  const r = await Ring.load(await makeRing(t.testdir({})));
  const bad: number[] = [];
  for (let p = 0; p < r.partCount; p++) {
    const devs = r.primaries(p);
    if (new Set(devs.map((d) => d.id)).size !== 3) bad.push(p);
    if (new Set(devs.map((d) => `${d.region}/${d.zone}`)).size !== 3) bad.push(p);
  }
  t.same(bad, [], 'three devices in three zones for every partition');
  t.throws(() => r.primaries(256), { code: 'INVALID_ARGUMENT' });
  t.throws(() => r.primaries(-1), { code: 'INVALID_ARGUMENT' });
});

t.test('Ring.handoffs() is lazy, deterministic, avoids primaries and prefers unused zones', async (t) => {
  const r = await Ring.load(await makeRing(t.testdir({})));
  for (const p of [0, 17, 255]) {
    const prim = r.primaries(p);
    const all = [...r.handoffs(p)];
    t.equal(all.length, 24 - 3, 'every other device once');
    t.equal(new Set(all.map((d) => d.id)).size, all.length);
    t.notOk(all.some((d) => prim.some((x) => x.id === d.id)), 'no primary');
    const zones = new Set(prim.map((d) => `${d.region}/${d.zone}`));
    const firstThree = all.slice(0, 3).map((d) => `${d.region}/${d.zone}`);
    t.notOk(firstThree.some((z) => zones.has(z)), 'first handoffs in unused zones');
    t.equal(new Set(firstThree).size, 3, 'each in its own zone');
    t.same([...r.handoffs(p)].map((d) => d.id), all.map((d) => d.id), 'deterministic');
  }
  const it = r.handoffs(3)[Symbol.iterator]();
  t.ok(it.next().value, 'lazy iteration yields on demand');
});

t.test('Ring.load() detects missing and corrupt files', async (t) => {
  const dir = t.testdir({ 'junk.ring.gz': 'not gzip' });
  const file = await makeRing(dir);
  await t.rejects(Ring.load(join(dir, 'missing.ring.gz')), { code: 'NOT_FOUND' });
  await t.rejects(Ring.load(join(dir, 'junk.ring.gz')), { code: 'CORRUPT' });
  const raw = gunzipSync(await readFile(file));
  const flipped = Buffer.from(raw);
  flipped[raw.length - 100]! ^= 0x40;
  await writeFile(join(dir, 'flip.ring.gz'), gzipSync(flipped));
  await t.rejects(Ring.load(join(dir, 'flip.ring.gz')), { code: 'CORRUPT', message: /checksum/ });
  await writeFile(join(dir, 'short.ring.gz'), gzipSync(raw.subarray(0, 40)));
  await t.rejects(Ring.load(join(dir, 'short.ring.gz')), { code: 'CORRUPT' });
  const b = RingBuilder.create({ partPower: 4, replicas: 1, minPartHours: 1 });
  await b.save(join(dir, 'x.builder'));
  await t.rejects(Ring.load(join(dir, 'x.builder')), { code: 'CORRUPT', message: /not a "STRARING" file/ });
});

t.test('Ring file round trip keeps devices, table, version and secret', async (t) => {
  const dir = t.testdir({});
  const b = RingBuilder.create({ partPower: 6, replicas: 2, minPartHours: 1, hashSecret: 'abc' });
  addLayout(b, { regions: 1, zones: 2, servers: 2, disks: 1 });
  b.addDevice({ region: 0, zone: 0, ip: '::1', port: 7000, device: 'nvme0n1', weight: 2.5, meta: 'rack 7 "quoted"' });
  b.rebalance({ seed: 1 });
  b.removeDevice(1);
  b.rebalance({ seed: 2 });
  const file = join(dir, 'r.ring.gz');
  await b.writeRing(file);
  const r = await Ring.load(file);
  t.equal(r.version, 2);
  t.equal(r.hashSecret, 'abc');
  t.equal(r.devices[1], undefined, 'hole kept');
  t.same(r.devices[4], { id: 4, region: 0, zone: 0, ip: '::1', port: 7000, device: 'nvme0n1', weight: 2.5, meta: 'rack 7 "quoted"' });
  t.same(r.replicaTable(), b.table);
  const loaded = await RingBuilder.load(await b.save(join(dir, 'r.builder')).then(() => join(dir, 'r.builder')));
  t.same(loaded.table, b.table);
  t.same(loaded.devices, b.devices);
  t.equal(loaded.version, 2);
  t.equal(loaded.hashSecret, 'abc');
});
