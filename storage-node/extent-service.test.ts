import t, { type Test } from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { silentLogger } from '../common/index.js';
import { ExtentClient, type BlockReplica } from '../cluster/index.js';
import { addExtentService } from './extent-service.js';

const SECRET = 'extent-service-test';

async function startNode(t: Test): Promise<{ replica: BlockReplica; server: Server }> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-extent-service-'));
  const server = new Server();
  const close = addExtentService(server, { devices: [{ name: 'd1', path: dir }], peerSecret: SECRET, log: silentLogger() });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  t.teardown(async () => {
    server.forceShutdown();
    await close();
    await rm(dir, { recursive: true, force: true });
  });
  return { replica: { id: 0, ip: '127.0.0.1', port, device: 'd1' }, server };
}

function client(t: Test, peerSecret = SECRET): ExtentClient {
  const c = new ExtentClient({ peerSecret, timeoutMs: 3_000 });
  t.teardown(() => c.close());
  return c;
}

const write = (data: Buffer, offset: number, generation = 0) => ({
  layer: 'l1', index: 3, generation, offset, fua: false, extentSize: 65536, data, zeroLength: 0,
});

t.test('ExtentClient read/write over the Io stream: many in flight, each answered by id', async (t) => {
  const { replica } = await startNode(t);
  const c = client(t);
  await Promise.all(Array.from({ length: 16 }, (_, i) => c.write(replica, write(Buffer.alloc(1024, i + 1), i * 1024))));
  const reads = await Promise.all(Array.from({ length: 16 }, (_, i) => c.read(replica, { layer: 'l1', index: 3, offset: i * 1024, length: 1024 })));
  reads.forEach((r, i) => t.ok(r.data.length === 1024 && r.data.every((b) => b === i + 1), `piece ${i} reads back`));
  await c.flush(replica, [{ layer: 'l1', index: 3 }, { layer: 'l1', index: 9 }]);
  const tail = await c.read(replica, { layer: 'l1', index: 3, offset: 60000, length: 4096 });
  t.ok(tail.data.every((b) => b === 0), 'past the written data reads as zeros');
  const none = await c.read(replica, { layer: 'l1', index: 9, offset: 0, length: 4096 });
  t.same(none.state, { exists: false, generation: 0, zeroed: false });
  t.equal(none.data.length, 0);
});

t.test('ExtentClient over the Io stream keeps the node\'s error codes and the stream usable', async (t) => {
  const { replica } = await startNode(t);
  const c = client(t);
  await c.write(replica, write(Buffer.alloc(10, 1), 0));
  await t.rejects(c.write(replica, write(Buffer.alloc(10, 2), 0, 5)), { code: 'STALE' });
  await t.rejects(c.write(replica, write(Buffer.alloc(10, 2), 65530)), { code: 'INVALID_ARGUMENT' });
  await t.rejects(c.read(replica, { layer: 'l1', index: 3, offset: 0, length: 0 }), { code: 'INVALID_ARGUMENT' });
  const back = await c.read(replica, { layer: 'l1', index: 3, offset: 0, length: 10 });
  t.ok(back.data.every((b) => b === 1), 'refused writes changed nothing');
});

t.test('ExtentClient Io stream: a bad peer secret is UNAUTHENTICATED, a dead node UNAVAILABLE', async (t) => {
  const { replica, server } = await startNode(t);
  await t.rejects(client(t, 'wrong').read(replica, { layer: 'l1', index: 3, offset: 0, length: 10 }), { code: 'UNAUTHENTICATED' });
  const c = client(t);
  await c.write(replica, write(Buffer.alloc(10, 1), 0));
  server.forceShutdown();
  await t.rejects(c.read(replica, { layer: 'l1', index: 3, offset: 0, length: 10 }), { code: 'UNAVAILABLE' });
});

t.test('ExtentClient.deleteExtents() removes extents over gRPC and keeps the node\'s error codes', async (t) => {
  const { replica } = await startNode(t);
  const c = client(t);
  await c.write(replica, write(Buffer.alloc(10, 1), 0));
  await c.write(replica, { ...write(Buffer.alloc(10, 2), 0), index: 4 });
  t.equal(await c.deleteExtents(replica, 'l1', [3, 8]), 1);
  t.same((await c.listLayer(replica, 'l1')).indexes, [4], 'only extent 4 is left');
  t.equal((await c.stat(replica, 'l1', 3)).exists, false);
  await t.rejects(c.deleteExtents(replica, 'L!', [1]), { code: 'INVALID_ARGUMENT' });
  await t.rejects(client(t, 'wrong').deleteExtents(replica, 'l1', [4]), { code: 'UNAUTHENTICATED' });
  t.same((await c.listLayer(replica, 'l1')).indexes, [4], 'refused calls deleted nothing');
});

t.test('ExtentClient Io stream: a refused request rejects with the node\'s code and names op, node and device', async (t) => {
  const { replica } = await startNode(t);
  const c = client(t);
  await c.write(replica, write(Buffer.alloc(4096, 1), 0, 0));
  // Same node and device through a new replica object: the client reuses its stream by address.
  const again: BlockReplica = { ...replica };
  const err = await c.write(again, write(Buffer.alloc(4096, 2), 0, 1)).catch((e: unknown) => e);
  // Replica at generation 0, writer at 1: the node refuses with STALE.
  t.match(err, { code: 'STALE', message: new RegExp(`^Cannot write on 127\\.0\\.0\\.1:${replica.port}/d1: `) });
  const bad = await c.read(replica, { layer: 'BAD LAYER', index: 0, offset: 0, length: 4096 }).catch((e: unknown) => e);
  t.match(bad, { code: 'INVALID_ARGUMENT', message: new RegExp(`^Cannot read on 127\\.0\\.0\\.1:${replica.port}/d1: `) });
  // The stream still serves requests after refusals.
  const ok = await c.read(again, { layer: 'l1', index: 3, offset: 0, length: 4096 });
  t.ok(ok.data.equals(Buffer.alloc(4096, 1)));
  t.equal(ok.state.generation, 0);
});
