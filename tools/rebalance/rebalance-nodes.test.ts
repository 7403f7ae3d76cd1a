/**
 * The rebalance flow against real in-process storage nodes over gRPC: status gathering, partition
 * usage and ring push through clusterFlowIO, as `strata cluster rebalance --yes` runs them.
 */
import t from 'tap';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { silentLogger } from '../../common/index.js';
import { RingBuilder, ringFilePath } from '../../ring/index.js';
import { MovementClient, DEFAULT_NODE_CLIENT_CONFIG, type ClusterConfig } from '../../cluster/index.js';
import { startStorageNode, parseStorageNodeConfig } from '../../storage-node/index.js';
import { loadRingSet } from './ring-set.js';
import { clusterFlowIO } from './cluster-io.js';
import { rebalanceOperation, drainOperation } from './operations.js';
import { freePort } from '../../common/testing/free-port.js';

const SECRET = 'peer-secret';
const HASH = 'hash-secret';

t.test('rebalance over gRPC pushes the new rings to every node, old and new', async (t) => {
  const dir = t.testdir({});
  const ringDir = join(dir, 'cluster-rings');
  await mkdir(ringDir);
  const ports: number[] = [];
  for (let i = 0; i < 4; i++) ports.push(await freePort());
  for (let i = 0; i < 4; i++) {
    // Each node keeps its own ring folder: it learns new rings only by push.
    const config = parseStorageNodeConfig({
      nodeId: `n${i + 1}`, port: ports[i], devices: [{ name: 'd1', path: `n${i + 1}/d1` }], ringDir: `n${i + 1}/rings`, peerSecret: SECRET, hashSecret: HASH,
      replicatorIntervalMs: 600_000, auditorIntervalMs: 600_000, expirerIntervalMs: 600_000, updaterIntervalMs: 600_000,
    }, dir);
    const node = await startStorageNode(config, silentLogger());
    t.teardown(() => node.stop());
  }
  for (const name of ['account', 'container', 'object'] as const) {
    const b = RingBuilder.create({ partPower: 4, replicas: 3, minPartHours: 1, hashSecret: HASH });
    for (let i = 0; i < 3; i++) b.addDevice({ region: 1, zone: i + 1, ip: '127.0.0.1', port: ports[i]!, device: 'd1', weight: 100, meta: `n${i + 1}` });
    b.rebalance({ seed: 1 });
    await b.writeRing(ringFilePath(ringDir, name));
    b.addDevice({ region: 1, zone: 4, ip: '127.0.0.1', port: ports[3]!, device: 'd1', weight: 100, meta: 'n4' });
    await b.save(join(ringDir, `${name}.builder`));
  }
  const config: ClusterConfig = { ringDir, peerSecret: SECRET, proxyUrl: 'http://127.0.0.1:1', blockGateway: '127.0.0.1:1' };
  const io = clusterFlowIO(config, { quiet: true });
  t.teardown(() => io.nodes.close());
  const r = await rebalanceOperation(await loadRingSet(ringDir), io, { yes: true, dryRun: false, force: false, seed: 3 });
  t.equal(r.outcome, 'pushed');
  t.ok(r.preview.total.partitions > 0, 'object partition-replicas move to the new node');
  t.equal(r.preview.total.bytes, 0, 'the nodes hold no data yet');
  t.same(r.failedPushes, []);
  t.same(r.pushed.map((p) => [p.node, p.versions]).sort(), [1, 2, 3, 4].map((i) => [`n${i}`, { account: 2, container: 2, object: 2 }]));
  const mc = new MovementClient('127.0.0.1', ports[3]!, { ...DEFAULT_NODE_CLIENT_CONFIG, peerSecret: SECRET });
  t.teardown(() => mc.close());
  t.match((await mc.movementStatus()).ringVersions, { account: 2, container: 2, object: 2 }, 'the new node uses the pushed rings');

  // A node that is down cannot receive data: draining onto the others is refused while it is silent.
  const wrong: ClusterConfig = { ...config, peerSecret: 'wrong' };
  const badIo = clusterFlowIO(wrong, { quiet: true, timeoutMs: 2_000 });
  t.teardown(() => badIo.nodes.close());
  await t.rejects(drainOperation(await loadRingSet(ringDir), badIo, 'n1', { yes: true, dryRun: false, force: false }), { code: 'PRECONDITION_FAILED' },
    'nodes that refuse the caller count as not answering');
});
