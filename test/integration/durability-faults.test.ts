// Acceptance (issue 5): a container replica down during writes (listings converge once it is
// back) and a full device (writes go elsewhere, nothing is lost, data moves home once it has
// room). Needs `npm run build` (the nodes run compiled code).
import t from 'tap';
import { readFile, writeFile } from 'node:fs/promises';
import { Ring, ringFilePath } from '../../ring/index.js';
import { startTestCluster } from './cluster.js';
import { NodeClientPool, DEFAULT_NODE_CLIENT_CONFIG, readClusterFile } from '../../cluster/index.js';
import { runDispersion } from '../../tools/cluster-dispersion.js';
import { DurabilityProbe, bodyOf, md5, tryPut } from './durability-helpers.js';

const ACCT = 'AUTH_f';

t.test('a container replica down during writes: listings converge once it returns', async (t) => {
  const c = await startTestCluster(t, { nodes: 4, replicas: 3, partPower: 5, nodeConfig: { durabilityWorkers: false, updaterIntervalMs: 60_000 } });
  const { cluster } = await c.openCluster({ nodeTimeoutMs: 3000 });
  const probe = new DurabilityProbe(c);
  const clients = new NodeClientPool({ ...DEFAULT_NODE_CLIENT_CONFIG, peerSecret: c.peerSecret });
  t.teardown(() => { probe.close(); clients.close(); });
  await cluster.putContainer({ account: ACCT, container: 'box' }, {});
  const ring = await Ring.load(ringFilePath(c.ringDir, 'container'));
  const part = ring.partOf(`/${ACCT}/box`);
  const replicas = ring.primaries(part);
  const down = c.nodes.findIndex((n) => n.port === replicas[0]!.port);
  await c.kill(down);
  const written: string[] = [];
  for (let i = 0; i < 10; i++) if (await tryPut(cluster, ACCT, 'box', `o${i}`, bodyOf(i, 100))) written.push(`o${i}`);
  t.equal(written.length, 10, 'writes succeed with a container replica down');
  await c.restart(down);
  await probe.runEverywhere('updater');
  await probe.runEverywhere('listing-replicator');
  for (const d of replicas) {
    const res = await clients.get(d.ip, d.port).listContainer({
      device: d.device, partition: part, account: ACCT, container: 'box', prefix: '', delimiter: '', marker: '', endMarker: '', limit: 100, reverse: false,
    });
    const names = res.entries.map((e) => (e.entry === 'object' ? e.object.name : e.subdir)).sort();
    t.same(names, [...written].sort(), `container replica ${d.device} lists every object`);
  }
});

t.test('a full device: writes go elsewhere, nothing is lost, data moves home later', async (t) => {
  const c = await startTestCluster(t, { nodes: 4, replicas: 3, partPower: 5, nodeConfig: { durabilityWorkers: false }, nodeConfigs: { 0: { reserveBytes: 1e15 } } });
  const { cluster } = await c.openCluster({ nodeTimeoutMs: 3000 });
  const probe = new DurabilityProbe(c);
  t.teardown(() => probe.close());
  await cluster.putContainer({ account: ACCT, container: 'box' }, {});
  const etags = new Map<string, string>();
  for (let i = 0; i < 12; i++) {
    const body = bodyOf(i, 5000);
    t.ok(await tryPut(cluster, ACCT, 'box', `o${i}`, body), `o${i} acknowledged`);
    etags.set(`o${i}`, md5(body));
  }
  await probe.runEverywhere('replicator');
  t.ok((await probe.handoffPartitions()).length > 0, 'the full device\'s share waits on handoffs');
  for (const [o, etag] of etags) {
    t.equal(md5(await readAll(await cluster.getObject({ account: ACCT, container: 'box', object: o }))), etag, `${o} reads back`);
  }
  // The operator frees space: the node restarts without the reserve.
  const cfg = JSON.parse(await readFile(c.nodes[0]!.configFile, 'utf8')) as Record<string, unknown>;
  await writeFile(c.nodes[0]!.configFile, JSON.stringify({ ...cfg, reserveBytes: 0 }));
  await c.restart(0);
  await probe.runEverywhere('replicator');
  for (const [o, etag] of etags) {
    const views = await probe.replicas(ACCT, 'box', o);
    t.ok(views.every((v) => v.etag === etag), `${o} is on all its primaries`);
  }
  // A pass can miss a peer that is still warming up after its restart: allow a few passes.
  for (let pass = 0; pass < 4 && (await probe.handoffPartitions()).length > 0; pass++) await probe.runEverywhere('replicator');
  t.same(await probe.handoffPartitions(), [], 'no handoff data is left');
  const clusterConfig = await readClusterFile(await c.writeClusterFile());
  t.equal((await runDispersion(clusterConfig, { coveragePercent: 100, populate: false })).percentFull, 100, 'dispersion reports 100%');
});

async function readAll(res: { body: AsyncIterable<unknown> }): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of res.body) parts.push(c as Buffer);
  return Buffer.concat(parts);
}
