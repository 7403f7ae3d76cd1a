import t from 'tap';
import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData, type ServerReadableStream, type ServerWritableStream, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { StoreError } from '../common/index.js';
import { NodeClientPool } from './node-client-pool.js';
import { toServiceError } from './grpc-status.js';
import { withRequestId } from './request-context.js';
import { objectServiceDefinition, nodeServiceDefinition, PEER_METADATA_KEY, REQUEST_ID_METADATA_KEY } from './storage-proto.js';
import type { ObjectRefMsg, PutObjectRequestMsg, GetObjectRequestMsg, GetObjectResponseMsg, HeadObjectResponseMsg, ObjectMetaMsg } from './storage-messages.js';

const SECRET = 's3cret';
const ref: ObjectRefMsg = { device: 'd1', partition: 7, account: 'a', container: 'c', object: 'o' };
const meta = (size: number): ObjectMetaMsg => ({
  size, etag: 'e', checksum: 'x', contentType: 'text/plain', timestamp: '1700000000.00000',
  metaTimestamp: '1700000000.00000', deleteAtMs: 0, metadata: {},
});

interface Seen { peer?: string; requestId?: string; chunks: number; bytes: number; trailer?: string }

async function startServer(t: { teardown(fn: () => void): void }, body: Buffer) {
  const seen: Seen = { chunks: 0, bytes: 0 };
  const server = new Server();
  const impl: UntypedServiceImplementation = {
    HeadObject(call: ServerUnaryCall<ObjectRefMsg, HeadObjectResponseMsg>, cb: sendUnaryData<HeadObjectResponseMsg>) {
      seen.peer = String(call.metadata.get(PEER_METADATA_KEY)[0]);
      seen.requestId = String(call.metadata.get(REQUEST_ID_METADATA_KEY)[0]);
      if (call.request.object === 'missing') return cb(toServiceError(new StoreError('NOT_FOUND', 'no such object')));
      if (call.request.object === 'slow') return void setTimeout(() => cb(null, { meta: meta(1) }), 500);
      if (call.request.object === 'boom') return cb(toServiceError(new TypeError('internal detail')));
      cb(null, { meta: meta(3) });
    },
    PutObject(call: ServerReadableStream<PutObjectRequestMsg, unknown>, cb: sendUnaryData<unknown>) {
      let refused = false;
      call.on('data', (msg: PutObjectRequestMsg) => {
        if (msg.part === 'header' && msg.header.ref.object === 'full') {
          refused = true;
          cb(toServiceError(new StoreError('NO_SPACE', 'device full')));
        } else if (msg.part === 'chunk') { seen.chunks++; seen.bytes += msg.chunk.length; }
        else if (msg.part === 'trailer') seen.trailer = msg.trailer.timestamp;
      });
      call.on('end', () => { if (!refused) cb(null, { etag: 'md5', size: seen.bytes, checksum: 'xx' }); });
      call.on('error', () => undefined);
    },
    GetObject(call: ServerWritableStream<GetObjectRequestMsg, GetObjectResponseMsg>) {
      if (call.request.ref.object === 'missing') return void call.emit('error', toServiceError(new StoreError('NOT_FOUND', 'gone')));
      call.write({ part: 'head', head: { meta: meta(body.length), ranged: false, rangeStart: 0, rangeEnd: 0 } });
      for (let off = 0; off < body.length; off += 1000) call.write({ part: 'chunk', chunk: body.subarray(off, off + 1000) });
      if (call.request.ref.object === 'broken') return void call.emit('error', toServiceError(new StoreError('CORRUPT', 'bad')));
      call.end();
    },
  };
  server.addService(objectServiceDefinition, impl);
  server.addService(nodeServiceDefinition, {});
  const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  t.teardown(() => server.forceShutdown());
  return { port, seen };
}

const config = { peerSecret: SECRET, connectTimeoutMs: 500, nodeTimeoutMs: 200, chunkTimeoutMs: 500, keepaliveMs: 0 };

t.test('NodeClient unary calls send the peer secret and map errors by code', async (t) => {
  const { port, seen } = await startServer(t, Buffer.alloc(0));
  const pool = new NodeClientPool(config);
  t.teardown(() => pool.close());
  const client = pool.get('127.0.0.1', port);
  t.equal(pool.get('127.0.0.1', port), client, 'pooled');
  const res = await client.headObject(ref, { requestId: 'req-1' });
  t.equal(res.meta.size, 3);
  t.equal(seen.peer, SECRET);
  t.equal(seen.requestId, 'req-1');
  await withRequestId('proxy-req-9', async () => { await new Promise((r) => setImmediate(r)); await client.headObject(ref); });
  t.equal(seen.requestId, 'proxy-req-9', 'the current request id travels without being passed');
  await client.headObject(ref);
  t.match(seen.requestId, /^[0-9a-f-]{36}$/, 'otherwise a fresh id');
  await t.rejects(client.headObject({ ...ref, object: 'missing' }), { code: 'NOT_FOUND', message: /no such object/ });
  await t.rejects(client.headObject({ ...ref, object: 'slow' }), { code: 'TIMEOUT' });
  await t.rejects(client.headObject({ ...ref, object: 'boom' }), { code: 'INTERNAL' });
  await t.rejects(client.nodeInfo(), { code: 'NOT_IMPLEMENTED' });
  const ac = new AbortController();
  const p = client.headObject({ ...ref, object: 'slow' }, { signal: ac.signal, timeoutMs: 2000 });
  ac.abort();
  await t.rejects(p, { code: 'UNAVAILABLE' });
});

t.test('NodeClient fails with UNAVAILABLE when the node is down', async (t) => {
  const pool = new NodeClientPool(config);
  t.teardown(() => pool.close());
  const client = new NodeClientPool({ ...config, connectTimeoutMs: 5000 }).get('127.0.0.1', 1);
  t.teardown(() => client.close());
  await t.rejects(client.headObject(ref), { code: 'UNAVAILABLE' });
  const t0 = Date.now();
  await t.rejects(client.waitConnected(), { code: 'UNAVAILABLE', message: /connection failed/ });
  t.ok(Date.now() - t0 < 2000, 'a refused connection fails at once, not after the connect timeout');
  await t.rejects(client.putObject({ ref, contentType: '', metadata: {}, deleteAtMs: 0, contentLength: -1, ifNoneMatchAny: false, containerUpdates: [] }), { code: 'UNAVAILABLE' });
});

t.test('NodeClient.putObject() streams chunks with backpressure and sends the trailer', async (t) => {
  const { port, seen } = await startServer(t, Buffer.alloc(0));
  const pool = new NodeClientPool(config);
  t.teardown(() => pool.close());
  const header = { ref, contentType: 'x', metadata: {}, deleteAtMs: 0, contentLength: -1, ifNoneMatchAny: false, containerUpdates: [] };
  const stream = await pool.get('127.0.0.1', port).putObject(header);
  const chunk = Buffer.alloc(64 * 1024, 1);
  let waits = 0;
  for (let i = 0; i < 100; i++) {
    if (!stream.write(chunk)) { waits++; await stream.drained(); }
  }
  t.ok(waits > 0, 'the stream asked to wait at least once');
  const res = await stream.finish({ timestamp: '1700000001.00000', expectedEtag: '' });
  t.equal(res.size, 100 * chunk.length);
  t.equal(seen.bytes, 100 * chunk.length);
  t.equal(seen.trailer, '1700000001.00000');

  const refused = await pool.get('127.0.0.1', port).putObject({ ...header, ref: { ...ref, object: 'full' } });
  let failure: StoreError | undefined;
  refused.onFailure((e) => { failure = e; });
  await t.rejects(refused.finish({ timestamp: '1700000001.00000', expectedEtag: '' }), { code: 'NO_SPACE' });
  t.equal(failure?.code, 'NO_SPACE');
});

t.test('NodeClient.getObject() returns the head and a streaming body', async (t) => {
  const body = Buffer.alloc(300_000);
  for (let i = 0; i < body.length; i++) body[i] = i % 251;
  const { port } = await startServer(t, body);
  const pool = new NodeClientPool(config);
  t.teardown(() => pool.close());
  const client = pool.get('127.0.0.1', port);
  const { head, body: stream } = await client.getObject({ ref, ranged: false, rangeStart: 0, rangeEnd: -1, suffixLength: 0 });
  t.equal(head.meta.size, body.length);
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  t.same(Buffer.concat(parts), body);
  await t.rejects(client.getObject({ ref: { ...ref, object: 'missing' }, ranged: false, rangeStart: 0, rangeEnd: -1, suffixLength: 0 }), { code: 'NOT_FOUND' });
  const broken = await client.getObject({ ref: { ...ref, object: 'broken' }, ranged: false, rangeStart: 0, rangeEnd: -1, suffixLength: 0 });
  await t.rejects((async () => { for await (const _c of broken.body) { /* drain */ } })(), { code: 'CORRUPT' });
});
