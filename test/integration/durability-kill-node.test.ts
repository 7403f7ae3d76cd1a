// Acceptance (issue 5): SIGKILL a storage node during a stream of writes and deletes, restart
// it, run replication passes: every acknowledged object is on all 3 primaries with the right
// content, every acknowledged delete is everywhere, and no handoff data is left.
// Needs `npm run build` (the nodes run compiled code).
import t from 'tap';
import { startTestCluster } from './cluster.js';
import { readClusterFile } from '../../cluster/index.js';
import { runDispersion } from '../../tools/cluster-dispersion.js';
import { DurabilityProbe, bodyOf, md5, tryPut } from './durability-helpers.js';

t.test('killed node during writes and deletes: replication restores full strength', async (t) => {
  const c = await startTestCluster(t, { nodes: 4, replicas: 3, partPower: 5, nodeConfig: { durabilityWorkers: false, updaterIntervalMs: 200 } });
  const { cluster } = await c.openCluster({ nodeTimeoutMs: 3000 });
  const probe = new DurabilityProbe(c);
  t.teardown(() => probe.close());
  const acct = 'AUTH_d';
  await cluster.putContainer({ account: acct, container: 'box' }, {});
  const clusterConfig = await readClusterFile(await c.writeClusterFile());
  t.equal((await runDispersion(clusterConfig, { coveragePercent: 100, populate: false })).percentFull, 100, 'dispersion sentinels written, 100%');

  const live = new Map<string, string>();
  const deleted = new Set<string>();
  for (let i = 0; i < 40; i++) {
    if (i === 12) await c.kill(1);
    const name = `obj-${i}`;
    const body = bodyOf(i);
    if (await tryPut(cluster, acct, 'box', name, body)) live.set(name, md5(body));
    // Every fifth write deletes an earlier object.
    if (i % 5 === 4) {
      const victim = `obj-${i - 3}`;
      try {
        await cluster.deleteObject({ account: acct, container: 'box', object: victim });
        live.delete(victim);
        deleted.add(victim);
      } catch {
        // not acknowledged: it may or may not be deleted
      }
    }
  }
  t.ok(live.size >= 25, `most writes were acknowledged (${live.size})`);
  t.ok(deleted.size >= 5, `deletes were acknowledged (${deleted.size})`);
  t.ok((await probe.handoffPartitions()).length > 0, 'writes during the outage landed on handoffs');

  await c.restart(1);
  await probe.runEverywhere('replicator', 2);

  let full = 0;
  for (const [name, etag] of live) {
    const views = await probe.replicas(acct, 'box', name);
    if (views.every((v) => v.etag === etag)) full += 1;
    else t.fail(`${name} is not on all primaries: ${JSON.stringify(views)}`);
  }
  t.equal(full, live.size, 'every acknowledged object is on its 3 primaries with the right content');
  for (const name of deleted) {
    const views = await probe.replicas(acct, 'box', name);
    t.ok(views.every((v) => v.etag === undefined && !v.error), `${name} is deleted on every primary`);
  }
  t.same(await probe.handoffPartitions(), [], 'no handoff data is left');
  t.equal((await runDispersion(clusterConfig, { coveragePercent: 100, populate: false })).percentFull, 100, 'dispersion reports 100%');
});
