import t, { type Test } from 'tap';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { silentLogger, type Logger } from '../common/index.js';
import { RingBuilder, RingWatcher, decodeRing, encodeRing, ringFilePath, type RingData } from '../ring/index.js';
import { RingSync } from './ring-sync.js';
import { FakeMovementNode } from './testing/fake-movement-node.js';

/** A ring over the fake nodes (one device each). */
function ringOver(nodes: FakeMovementNode[], o: { version?: number; partPower?: number; hashSecret?: string } = {}): RingData {
  const b = RingBuilder.create({ partPower: o.partPower ?? 4, replicas: 1, minPartHours: 0, hashSecret: o.hashSecret ?? 'salt' });
  nodes.forEach((n, i) => b.addDevice({ region: 0, zone: i, ip: '127.0.0.1', port: n.port, device: 'd0', weight: 1, meta: '' }));
  b.rebalance({ seed: 1 });
  return { ...b.ringData(), version: o.version ?? 1 };
}

/** A logger that records warning messages. */
function recordingLog(): { log: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const log = silentLogger();
  const child = (): Logger => log;
  log.child = child as unknown as Logger['child'];
  log.warn = ((_obj: unknown, msg?: string) => { warnings.push(msg ?? ''); }) as Logger['warn'];
  return { log, warnings };
}

async function setup(t: Test, count = 2): Promise<{ dir: string; nodes: FakeMovementNode[]; base: RingData }> {
  const nodes = Array.from({ length: count }, () => new FakeMovementNode());
  for (const n of nodes) await n.start();
  t.teardown(() => { for (const n of nodes) n.stop(); });
  const dir = t.testdir({});
  const base = ringOver(nodes);
  for (const name of ['account', 'container', 'object'] as const) {
    await writeFile(ringFilePath(dir, name), await encodeRing(base));
    for (const n of nodes) await n.serve(name, base);
  }
  return { dir, nodes, base };
}

const versionOf = async (dir: string, name: 'account' | 'container' | 'object' | 'block'): Promise<number> =>
  (await decodeRing(await readFile(ringFilePath(dir, name)))).version;

t.test('RingSync.syncNow() fetches a newer ring from a node and the RingWatcher loads it', async (t) => {
  const { dir, nodes, base } = await setup(t);
  const watcher = new RingWatcher(ringFilePath(dir, 'object'), { intervalMs: 60_000 });
  t.teardown(() => watcher.close());
  await watcher.start();
  const sync = new RingSync({ ringDir: dir, names: ['account', 'container', 'object'], peerSecret: 's', nodesPerRound: 1 });
  t.teardown(() => sync.close());
  const first = await sync.syncNow();
  t.same(first.updated, {}, 'nothing newer yet');
  t.same(sync.localVersions(), { account: 1, container: 1, object: 1 });
  await nodes[1]!.serve('object', { ...base, version: 3 });
  // One node per round, rotating: within two rounds the node with version 3 has been asked.
  const rounds = [await sync.syncNow(), await sync.syncNow()];
  t.not(rounds[0]!.asked[0], rounds[1]!.asked[0], 'the rounds ask different nodes');
  t.same(rounds.map((r) => r.updated.object).filter(Boolean), [3], 'written once');
  t.equal(await versionOf(dir, 'object'), 3);
  t.equal(await versionOf(dir, 'account'), 1, 'other rings untouched');
  t.equal(await watcher.check(), true, 'the watcher sees the new file');
  t.equal(watcher.ring.version, 3);
  t.same((await sync.syncNow()).updated, {}, 'nothing to do once current');
});

t.test('RingSync refuses rings with another hash secret, part power, or that do not decode, and never goes back', async (t) => {
  const { dir, nodes, base } = await setup(t, 1);
  const { log, warnings } = recordingLog();
  const sync = new RingSync({ ringDir: dir, names: ['account', 'container', 'object'], peerSecret: 's', log });
  t.teardown(() => sync.close());
  const node = nodes[0]!;
  await node.serve('object', { ...ringOver(nodes, { hashSecret: 'other' }), version: 5 });
  await node.serve('container', { ...ringOver(nodes, { partPower: 5 }), version: 5 });
  node.rings.set('account', Buffer.from('garbage'));
  node.versions.account = 9;
  t.same((await sync.syncNow()).updated, {});
  t.same(sync.localVersions(), { account: 1, container: 1, object: 1 }, 'no file replaced');
  t.equal(warnings.length, 3, 'one warning per ring');
  await sync.syncNow();
  t.equal(warnings.length, 3, 'the same failures are not logged again');
  // An older ring on the node is ignored.
  await writeFile(ringFilePath(dir, 'object'), await encodeRing({ ...base, version: 7 }));
  await node.serve('object', { ...base, version: 6 });
  t.same((await sync.syncNow()).updated, {});
  t.equal(await versionOf(dir, 'object'), 7);
});

t.test('RingSync survives unreachable nodes, missing local rings and joins concurrent rounds', async (t) => {
  const { dir, nodes, base } = await setup(t, 2);
  const { log, warnings } = recordingLog();
  const sync = new RingSync({ ringDir: dir, names: ['object', 'block'], peerSecret: 's', log, timeoutMs: 500, nodesPerRound: 2 });
  t.teardown(() => sync.close());
  nodes[0]!.stop();
  await nodes[1]!.serve('object', { ...base, version: 2 });
  await nodes[1]!.serve('block', { ...base, version: 2 });
  const [a, b] = [sync.syncNow(), sync.syncNow()];
  t.equal(a, b, 'a second call joins the running round');
  const res = await a;
  t.equal(res.asked.length, 2);
  t.same(res.updated, { object: 2 }, 'the reachable node gave the newer object ring; no local block ring, none fetched');
  t.ok(warnings.some((w) => /ring versions/.test(w)), 'the unreachable node is logged');
  t.ok(warnings.some((w) => /local ring file/.test(w)), 'the missing block ring is logged');
  const before = warnings.length;
  await sync.syncNow();
  t.equal(warnings.length, before, 'logged once per kind');
});

t.test('RingSync.start() runs rounds on its timer and close() stops them', async (t) => {
  const { dir, nodes, base } = await setup(t, 1);
  const sync = new RingSync({ ringDir: dir, names: ['object'], peerSecret: 's', intervalMs: 30 });
  t.teardown(() => sync.close());
  await nodes[0]!.serve('object', { ...base, version: 4 });
  sync.start();
  sync.start();
  const deadline = Date.now() + 5_000;
  while ((await versionOf(dir, 'object')) !== 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.equal(await versionOf(dir, 'object'), 4, 'the timer fetched it');
  sync.close();
  const calls = nodes[0]!.statusCalls;
  await new Promise((r) => setTimeout(r, 120));
  t.equal(nodes[0]!.statusCalls, calls, 'no rounds after close()');
  t.same(await sync.syncNow(), { asked: [], updated: {} });
});

t.test('RingSync works with no nodes at all (empty ring folder)', async (t) => {
  const sync = new RingSync({ ringDir: join(t.testdir({}), 'none'), names: ['object'], peerSecret: 's' });
  t.teardown(() => sync.close());
  t.same(await sync.syncNow(), { asked: [], updated: {} });
});
