// A full device (reserveBytes above its free space): writes still succeed for the client, the
// device is error-limited and a handoff takes its replicas, and every object reads back.
// Needs `npm run build`.
import t from 'tap';
import { Readable } from 'node:stream';
import { Ring, ringFilePath } from '../../ring/index.js';
import { ringPath, locateObject } from '../../cluster/index.js';
import { startTestCluster } from './cluster.js';

const acct = 'AUTH_f';
const read = async (r: Readable): Promise<Buffer> => {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
};

t.test('writes to a full device go elsewhere and the client sees success', async (t) => {
  const c = await startTestCluster(t, { nodes: 4, replicas: 3, nodeConfigs: { 0: { reserveBytes: Number.MAX_SAFE_INTEGER } } });
  const { cluster, pool } = await c.openCluster({ errorLimitThreshold: 2 });
  const ring = await Ring.load(ringFilePath(c.ringDir, 'object'));
  const fullPort = c.nodes[0]!.port;
  // Containers live on the same devices: make sure the container's own writes are not on node 0.
  let container = '';
  const cring = await Ring.load(ringFilePath(c.ringDir, 'container'));
  for (let i = 0; i < 200 && !container; i++) {
    if (!cring.primaries(cring.partOf(ringPath(acct, `c${i}`))).some((d) => d.port === fullPort)) container = `c${i}`;
  }
  t.ok(container, 'a container whose replicas avoid the full device');
  await cluster.putContainer({ account: acct, container }, {});

  const names: string[] = [];
  for (let i = 0; names.length < 6 && i < 500; i++) {
    const name = `o${i}`;
    if (ring.primaries(ring.partOf(ringPath(acct, container, name))).some((d) => d.port === fullPort)) names.push(name);
  }
  t.equal(names.length, 6, 'objects that have the full device as a primary');
  for (const name of names) {
    await cluster.putObject({ account: acct, container, object: name, body: Readable.from([Buffer.from(name.repeat(100))]), contentType: '', metadata: {} });
  }
  t.ok(cluster.limiter.limitedKeys().some((k) => k.startsWith(`127.0.0.1:${fullPort}/`)), 'the full device is error-limited');
  const last = await locateObject(ring, pool, `/${acct}/${container}/${names[names.length - 1]}`);
  const found = last.replicas.filter((r) => r.state === 'found');
  t.equal(found.length, 3, 'three copies of a later write');
  t.ok(found.some((r) => r.role === 'handoff'), 'one of them on a handoff');
  t.notOk(found.some((r) => r.device.port === fullPort), 'none on the full device');
  for (const name of names) {
    const got = await cluster.getObject({ account: acct, container, object: name });
    t.ok((await read(got.body)).equals(Buffer.from(name.repeat(100))), `${name} reads back`);
  }
});
