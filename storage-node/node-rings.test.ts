import t from 'tap';
import { readFile, writeFile } from 'node:fs/promises';
import { silentLogger } from '../common/index.js';
import { RingBuilder, encodeRing, ringFilePath } from '../ring/index.js';
import { NodeRings } from './node-rings.js';

/** Ring files of successive versions (v1, v2, ...) of one builder. */
async function ringVersions(count: number, o: { hashSecret?: string; partPower?: number } = {}): Promise<Buffer[]> {
  const b = RingBuilder.create({ partPower: o.partPower ?? 4, replicas: 2, minPartHours: 0, hashSecret: o.hashSecret ?? 'secret' });
  for (let i = 0; i < 3; i++) b.addDevice({ region: 1, zone: i + 1, ip: '127.0.0.1', port: 7000 + i, device: 'd', weight: 100, meta: '' });
  const out: Buffer[] = [];
  for (let v = 0; v < count; v++) {
    if (v > 0) b.addDevice({ region: 1, zone: v + 3, ip: '127.0.0.1', port: 7100 + v, device: 'd', weight: 100, meta: '' });
    b.rebalance({ seed: v + 1 });
    out.push(await encodeRing(b.ringData()));
  }
  return out;
}

function start(t: { teardown(fn: () => void): void }, ringDir: string): Promise<NodeRings> {
  const rings = new NodeRings({ ringDir, log: silentLogger(), intervalMs: 60_000 });
  t.teardown(() => rings.close());
  return rings.start().then(() => rings);
}

t.test('NodeRings.push() checks, stores and uses a ring at once', async (t) => {
  const dir = t.testdir({});
  const [v1, v2, v3] = await ringVersions(3);
  const rings = await start(t, dir);
  const reloads: string[] = [];
  rings.onReload((name, r) => reloads.push(`${name}@${r.version}`));
  t.same(rings.versions(), {}, 'no ring yet');
  await t.rejects(rings.file('object'), { code: 'NOT_FOUND' }, 'get before any push');

  t.same(await rings.push('object', v1!, false), { version: 1, applied: true }, 'a ring the node did not have');
  t.same(await readFile(ringFilePath(dir, 'object')), v1, 'written into the ring folder');
  t.same(rings.versions(), { object: 1 });
  t.same(await rings.push('object', v1!, false), { version: 1, applied: false }, 'same version, same bytes: nothing to do');
  t.same(await rings.push('object', v2!, false), { version: 2, applied: true }, 'a newer ring');
  t.equal(rings.get('object')?.version, 2, 'in use without waiting for a poll');
  t.equal(rings.previousOf('object')?.version, 1, 'the previous ring is remembered');
  await t.rejects(rings.push('object', v1!, false), { code: 'STALE', message: /older/ }, 'older without force');
  t.equal(rings.get('object')?.version, 2, 'a refused push changes nothing');
  t.same(await rings.push('object', v1!, true), { version: 1, applied: true }, 'older with force: a roll-back');
  t.same(await rings.push('object', v3!, false), { version: 3, applied: true });
  t.same(reloads, ['object@1', 'object@2', 'object@1', 'object@3'], 'each change is announced');

  const got = await rings.file('object');
  t.equal(got.version, 3);
  t.same(got.data, v3, 'get answers the file in use');
  await t.rejects(rings.file('nope'), { code: 'INVALID_ARGUMENT' });

  const [b1] = await ringVersions(1);
  t.same(await rings.push('block', b1!, false), { version: 1, applied: true }, 'the block ring too');
  t.same(rings.versions(), { object: 3, block: 1 });
});

t.test('NodeRings.push() refuses bad names, corrupt files and rings of another cluster', async (t) => {
  const dir = t.testdir({});
  const [v1] = await ringVersions(1);
  const rings = await start(t, dir);
  await t.rejects(rings.push('objects', v1!, false), { code: 'INVALID_ARGUMENT' }, 'unknown name');
  await t.rejects(rings.push('object', Buffer.from('not a ring'), false), { code: 'CORRUPT' }, 'garbage');
  const cut = Buffer.from(v1!.subarray(0, v1!.length - 10));
  await t.rejects(rings.push('object', cut, false), { code: 'CORRUPT' }, 'a truncated file');
  t.same(rings.versions(), {}, 'nothing applied');

  rings.pathHashSecret = 'secret';
  const [other] = await ringVersions(2, { hashSecret: 'other' });
  await t.rejects(rings.push('object', other!, false), { code: 'CONFLICT', message: /hash secret/ }, 'an object ring must match the path-hash secret in use');
  await rings.push('object', v1!, false);
  await t.rejects(rings.push('object', other!, true), { code: 'CONFLICT', message: /hash secret/ }, 'other secret, even forced');
  const [, bigger] = await ringVersions(2, { partPower: 5 });
  await t.rejects(rings.push('object', bigger!, false), { code: 'CONFLICT', message: /part power/ });
  t.equal(rings.get('object')?.version, 1);
});

t.test('NodeRings: nodes sharing one ring folder take the same push harmlessly', async (t) => {
  const dir = t.testdir({});
  const [v1, v2] = await ringVersions(2);
  await writeFile(ringFilePath(dir, 'object'), v1!);
  const a = await start(t, dir);
  const b = await start(t, dir);
  const lagging = await start(t, dir);
  t.equal(b.get('object')?.version, 1, 'loaded at start');
  const [ra, rb] = await Promise.all([a.push('object', v2!, false), b.push('object', v2!, false)]);
  t.same([ra.version, rb.version], [2, 2], 'both use the new ring');
  t.ok(ra.applied || rb.applied, 'at least one applied it');
  t.same(await b.push('object', v2!, false), { version: 2, applied: false }, 'then it is a no-op');
  t.same(await readFile(ringFilePath(dir, 'object')), v2, 'the file is whole');
  t.same((await a.file('object')).data, v2);

  const [, , v3] = await ringVersions(3);
  t.same(await a.push('object', v3!, false), { version: 3, applied: true });
  t.equal(lagging.get('object')?.version, 1, 'a node that has not polled yet still uses v1');
  await t.rejects(lagging.push('object', v2!, false), { code: 'STALE', message: /in "/ }, 'newer than its ring in use, older than the shared file');
  t.same(await readFile(ringFilePath(dir, 'object')), v3, 'the newer file stays');
  t.same(await lagging.push('object', v3!, false), { version: 3, applied: true }, 'the current ring is taken');
});
