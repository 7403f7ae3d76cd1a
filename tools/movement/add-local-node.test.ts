import t, { type Test } from 'tap';
import { mkdtemp, rm, stat, readFile, writeFile, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RingBuilder } from '../../ring/index.js';
import { readClusterFile } from '../../cluster/index.js';
import { initialiseLayout, readLayout, type AllInOneLayout } from '../all-in-one/layout.js';
import { runningAllInOnePid, writeAllInOnePid } from '../all-in-one/run-file.js';
import { addLocalNode, nextNodeId, nextNodePort, formatLocalAdd } from './add-local-node.js';
import { freePortRange } from '../../test/integration/all-in-one.js';

const layout = (ports: number[], ids = ports.map((_, i) => `n${i + 1}`)): AllInOneLayout => ({
  version: 1, bindIp: '127.0.0.1', proxyPort: 1, blockPort: 2, nodes: ports.map((port, i) => ({ id: ids[i]!, port, zone: i + 1, devices: ['d1'] })),
});

t.test('nextNodeId() takes the first free n<k> from the node count up', async (t) => {
  t.equal(nextNodeId(layout([1, 2])), 'n3');
  t.equal(nextNodeId(layout([1, 2], ['n1', 'n3'])), 'n4');
});

t.test('nextNodePort() skips the proxy and block ports and a port in use', async (t) => {
  const base = await freePortRange(4);
  const busy = createServer().listen(base + 1, '127.0.0.1');
  await once(busy, 'listening');
  t.teardown(() => busy.close());
  t.equal(await nextNodePort({ ...layout([base]), proxyPort: base + 2 }), base + 3);
});

async function aio(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-local-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const base = await freePortRange(3);
  await initialiseLayout({ dataDir: dir, bindIp: '127.0.0.1', proxyPort: base, blockPort: base + 1, basePort: base + 2, nodeCount: 2, replicas: 2, partPower: 4 });
  return dir;
}

t.test('addLocalNode() with no all-in-one running adds the node to the layout, folders, configs and builders', async (t) => {
  const dir = await aio(t);
  const config = await readClusterFile(join(dir, 'cluster.json'));
  const o = await addLocalNode(config, { weight: 50 });
  t.equal(o.started, false);
  t.equal(o.node.id, 'n3');
  t.equal(o.node.zone, 3);
  t.match(formatLocalAdd(o), /not running: node n3 .* starts with the next `strata start`/);
  t.same((await readLayout(dir))!.nodes.map((n) => n.id), ['n1', 'n2', 'n3']);
  t.ok((await stat(join(dir, 'nodes', 'n3', 'd1'))).isDirectory());
  const cfg = JSON.parse(await readFile(join(dir, 'nodes', 'n3.json'), 'utf8')) as { port: number; nodeId: string };
  t.same([cfg.nodeId, cfg.port], ['n3', o.node.port]);
  const b = await RingBuilder.load(join(dir, 'rings', 'object.builder'));
  t.same(b.devices.filter((d) => d?.meta === 'n3').map((d) => [d!.port, d!.weight]), [[o.node.port, 50]]);
  const again = await addLocalNode(config, { weight: 50 });
  t.equal(again.node.id, 'n4', 'a second node gets the next id');
  t.ok(again.node.port > o.node.port);
});

t.test('addLocalNode() refuses a cluster that is not an all-in-one, and a missing layout', async (t) => {
  await t.rejects(addLocalNode({ ringDir: '/nonexistent', peerSecret: '', proxyUrl: '', blockGateway: '' }, { weight: 1 }),
    { code: 'PRECONDITION_FAILED', message: /not an all-in-one/ });
  const empty = t.testdir({});
  await t.rejects(addLocalNode({ ringDir: empty, peerSecret: '', proxyUrl: '', blockGateway: '', dataDir: empty }, { weight: 1 }), { code: 'NOT_FOUND' });
});

t.test('runningAllInOnePid() ignores a missing file, a dead PID and a live process that is not strata start', async (t) => {
  const dir = t.testdir({});
  await mkdir(join(dir, 'run'));
  t.equal(await runningAllInOnePid(dir), undefined, 'no file');
  await writeFile(join(dir, 'run', 'strata.pid'), 'garbage\n');
  t.equal(await runningAllInOnePid(dir), undefined, 'garbage');
  await writeAllInOnePid(dir, 2 ** 22 + 12345);
  t.equal(await runningAllInOnePid(dir), undefined, 'dead PID');
  await writeAllInOnePid(dir, process.pid);
  t.equal(await runningAllInOnePid(dir), undefined, 'this test runner is not an all-in-one: never signalled');
});
