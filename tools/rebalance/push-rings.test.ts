import t from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeMovementNode } from '../../cluster/testing/fake-movement-node.js';
import { writeTestRings } from '../movement/testing/test-ring-dir.js';
import { freePort } from '../../common/testing/free-port.js';
import { clusterMovementNodes } from './movement-nodes.js';
import { pushRingFiles, formatPushRings } from './push-rings.js';

t.test('pushRingFiles() sends every ring file to every ring node and reports the silent one', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'strata-push-'));
  const a = new FakeMovementNode('n1');
  const b = new FakeMovementNode('n2');
  t.teardown(async () => { a.stop(); b.stop(); await rm(dir, { recursive: true, force: true }); });
  await Promise.all([a.start(), b.start()]);
  const deadPort = await freePort();
  await writeTestRings(dir, [a.port, b.port, deadPort]);
  const config = { ringDir: dir, peerSecret: 'x', proxyUrl: '', blockGateway: '' };
  const nodes = clusterMovementNodes(config, 2_000);
  t.teardown(() => nodes.close());
  const r = await pushRingFiles(config, nodes);
  const names = Object.keys(r.files).sort();
  t.ok(names.length > 0, `ring files found (${names.join(', ')})`);
  for (const fake of [a, b]) t.same(fake.pushed.map((p) => p.name).sort(), names, 'each answering node got every ring file');
  t.ok(a.pushed.every((p) => p.force === false), 'never forced: a node keeps a newer ring');
  const dead = r.results.find((x) => x.address === `127.0.0.1:${deadPort}`);
  t.ok(dead?.error, 'the node that does not answer has an error');
  const text = formatPushRings(r).join('\n');
  t.match(text, /1 of 3 nodes did not take every ring/);
  t.match(text, new RegExp(`127\\.0\\.0\\.1:${deadPort}: failed`));
});

t.test('pushRingFiles() refuses a folder without rings', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'strata-push-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const config = { ringDir: dir, peerSecret: 'x', proxyUrl: '', blockGateway: '' };
  const nodes = clusterMovementNodes(config, 500);
  t.teardown(() => nodes.close());
  await t.rejects(pushRingFiles(config, nodes), { code: 'NOT_FOUND', message: /no ring file/ });
});
