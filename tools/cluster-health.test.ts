import t from 'tap';
import { assessHealth, formatHealth, type NodeAnswer } from './cluster-health.js';
import type { NodeInfoResponseMsg, WorkerStatsMsg } from '../cluster/index.js';

const NOW = 1_800_000_000_000;
const worker = (over: Partial<WorkerStatsMsg> = {}): WorkerStatsMsg => ({
  worker: 'replicator', passes: 1, lastPassEndMs: NOW - 10_000, lastPassDurationMs: 5, partitionsSynced: 0, objectsSynced: 0,
  bytesMoved: 0, quarantined: 0, failures: 0, handoffsLeft: 0, ...over,
});
const info = (over: Partial<NodeInfoResponseMsg> = {}): NodeInfoResponseMsg => ({
  nodeId: 'n', ringVersions: { object: 3 }, uptimeMs: 60_000, journalDepth: 0, quarantinedFiles: 0,
  devices: [{ name: 'd1', path: '/d1', mounted: true, totalBytes: 10, freeBytes: 5 }], workers: [worker()], ...over,
});
const opts = { maxReplicationAgeMs: 3_600_000, maxJournalDepth: 100, nowMs: NOW };

t.test('assessHealth() reports a healthy cluster without problems', async (t) => {
  const r = assessHealth([{ address: 'a', info: info() }, { address: 'b', info: info() }], { object: 3 }, opts);
  t.same(r.problems, []);
  t.equal(r.nodesUp, 2);
  t.equal(r.devicesMounted, 2);
  t.equal(r.replicationAgeMs, 10_000);
  t.same(r.rings.object, { inUse: [3], file: 3 });
  t.match(formatHealth(r), /Status\s+healthy/);
});

t.test('assessHealth() lists what needs the operator', async (t) => {
  const answers: NodeAnswer[] = [
    { address: 'down', error: 'unreachable' },
    { address: 'a', info: info({ ringVersions: { object: 2 }, quarantinedFiles: 2, journalDepth: 150, devices: [{ name: 'd9', path: '/d9', mounted: false, totalBytes: 0, freeBytes: 0 }] }) },
    { address: 'b', info: info({ workers: [worker({ lastPassEndMs: NOW - 7_200_000, handoffsLeft: 3 })] }) },
    { address: 'c', info: info({ uptimeMs: 7_200_000, workers: [worker({ lastPassEndMs: 0 })] }) },
  ];
  const r = assessHealth(answers, { object: 3 }, opts);
  const text = r.problems.join('\n');
  t.match(text, /node down is down/);
  t.match(text, /device a\/d9 is not mounted/);
  t.match(text, /2 versions of the object ring/);
  t.match(text, /no replication pass since it started/);
  t.match(text, /replication pass ended 7200 s ago/);
  t.match(text, /2 quarantined files/);
  t.match(text, /150 listing updates/);
  t.equal(r.handoffPartitions, 3);
  t.match(formatHealth(r), /problems need the operator/);
});

t.test('assessHealth() flags nodes serving an older ring than the ring file', async (t) => {
  const r = assessHealth([{ address: 'a', info: info({ ringVersions: { object: 2 } }) }], { object: 3 }, opts);
  t.match(r.problems.join(), /object ring version 2, the ring file is version 3/);
});

t.test('formatHealth() shows every ring\'s version in use, the block ring included', async (t) => {
  const versions = { account: 2, container: 2, object: 3, block: 1 };
  const r = assessHealth([{ address: 'a', info: info({ ringVersions: versions }) }], versions, opts);
  t.same(r.rings.block, { inUse: [1], file: 1 });
  t.same(r.problems, []);
  t.match(formatHealth(r), /Rings in use\s+account 2 \(file 2\), container 2 \(file 2\), object 3 \(file 3\), block 1 \(file 1\)/);
  const old = assessHealth([{ address: 'a', info: info({ ringVersions: { object: 3 } }) }], { object: 3, block: 1 }, opts);
  t.match(formatHealth(old), /block not reported \(file 1\)/, 'a node that does not report the block ring');
  const behind = assessHealth([{ address: 'a', info: info({ ringVersions: { object: 3, block: 1 } }) }], { object: 3, block: 2 }, opts);
  t.match(behind.problems.join(), /block ring version 1, the ring file is version 2/);
});
