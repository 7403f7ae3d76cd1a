import t from 'tap';
import { Readable } from 'node:stream';
import { ReplicationClient, DEFAULT_NODE_CLIENT_CONFIG } from '../cluster/index.js';
import { startDurabilityNodes, PEER_SECRET } from './testing/durability-nodes.js';

t.test('ReplicationService refuses bad input and wrong peers with clear codes', async (t) => {
  const { nodes } = await startDurabilityNodes(t, t.testdir(), 3);
  const n = nodes[0]!;
  const good = new ReplicationClient('127.0.0.1', n.port, { ...DEFAULT_NODE_CLIENT_CONFIG, peerSecret: PEER_SECRET });
  const bad = new ReplicationClient('127.0.0.1', n.port, { ...DEFAULT_NODE_CLIENT_CONFIG, peerSecret: 'wrong' });
  t.teardown(() => { good.close(); bad.close(); });
  const empty = () => Readable.from([]);

  t.same(await good.getSuffixHashes({ device: n.device, partition: 1, suffixes: [], recalculate: false }), new Map(), 'an empty partition');
  await t.rejects(bad.getSuffixHashes({ device: n.device, partition: 1, suffixes: [], recalculate: false }), { code: 'UNAUTHENTICATED' });
  await t.rejects(good.getSuffixHashes({ device: '../etc', partition: 1, suffixes: [], recalculate: false }), { code: 'INVALID_ARGUMENT' });
  await t.rejects(good.getSuffixHashes({ device: n.device, partition: 99_999, suffixes: [], recalculate: false }), { code: 'INVALID_ARGUMENT' }, 'partition outside the ring');
  await t.rejects(good.getSuffixHashes({ device: n.device, partition: 1, suffixes: ['../x'], recalculate: false }), { code: 'INVALID_ARGUMENT' });
  await t.rejects(good.listSuffix({ device: 'nodev', partition: 1, suffix: 'abc' }), { code: 'NOT_MOUNTED' });
  await t.rejects(good.pushFile({ device: n.device, partition: 1, hash: 'zz', fileName: '1700000000.00000.ts', size: 0 }, empty()), { code: 'INVALID_ARGUMENT' });
  await t.rejects(good.pushFile({ device: n.device, partition: 1, hash: '0123456789abcdef', fileName: 'x.data', size: 0 }, empty()), { code: 'INVALID_ARGUMENT' });
  await t.rejects(good.pushFile({ device: n.device, partition: 1, hash: '0123456789abcdef', fileName: '1700000000.00000.data', size: 5 }, Readable.from([Buffer.from('abc')])), { code: 'INVALID_ARGUMENT' }, 'short body');
  t.same(await good.pushFile({ device: n.device, partition: 1, hash: '0123456789abcdef', fileName: '1700000000.00000.ts', size: 0 }, empty()), { applied: true });
  t.same([...(await good.listSuffix({ device: n.device, partition: 1, suffix: 'def' }))], [['0123456789abcdef', ['1700000000.00000.ts']]]);
  await t.rejects(good.listingDigests({ device: n.device, partition: 1, kind: 'bogus' }), { code: 'INVALID_ARGUMENT' });
  await t.rejects(good.mergeListing({
    device: n.device, partition: 1, kind: 'container', account: 'a', container: '', putTimestamp: '', deleteTimestamp: '', metadata: {}, objectRows: [], containerRows: [],
  }), { code: 'INVALID_ARGUMENT' }, 'a container needs a name');
  await t.rejects(good.mergeListing({
    device: n.device, partition: 1, kind: 'account', account: 'a', container: '', putTimestamp: '', deleteTimestamp: '', metadata: { k: { value: 'v', timestamp: 'yesterday' } }, objectRows: [], containerRows: [],
  }), { code: 'INVALID_ARGUMENT' }, 'bad metadata timestamp');
  await t.rejects(good.runWorker('nope'), { code: 'INVALID_ARGUMENT' });
  t.equal(await good.runWorker('auditor'), 'idle');
  const status = await good.durabilityStatus();
  t.same(status.workers.map((w) => w.worker), ['replicator', 'listing-replicator', 'auditor', 'expirer']);
  t.equal(status.workers.find((w) => w.worker === 'auditor')?.passes, 1);
});
