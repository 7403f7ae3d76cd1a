import t, { type Test } from 'tap';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { Metadata, credentials, type ServiceError } from '@grpc/grpc-js';
import { formatTimestamp, silentLogger } from '../common/index.js';
import {
  NodeClient, DEFAULT_NODE_CLIENT_CONFIG, ObjectServiceClient, PEER_METADATA_KEY, ERROR_CODE_METADATA_KEY,
  type PutObjectHeaderMsg, type TargetMsg, type ListRequestMsg,
} from '../cluster/index.js';
import { startStorageNode, type RunningStorageNode } from './storage-node.js';
import { parseStorageNodeConfig } from './config.js';
import { READ_CHUNK_BYTES } from './fs-object-store.js';
import { freePort } from '../common/testing/free-port.js';

const SECRET = 'peer-secret';
const now = Date.now();
const ts = (n: number) => formatTimestamp(now + n);

const testDirs = new WeakMap<Test, string>();

async function startNode(t: Test, over: Record<string, unknown> = {}, name = 'n1'): Promise<{ node: RunningStorageNode; client: NodeClient; dir: string }> {
  if (!testDirs.has(t)) testDirs.set(t, t.testdir({}));
  const dir = join(testDirs.get(t) as string, name);
  const config = parseStorageNodeConfig({
    nodeId: 'n1', bindIp: '127.0.0.1', port: 0, devices: [{ name: 'd1', path: 'd1' }], ringDir: 'rings',
    peerSecret: SECRET, hashSecret: 'h', containerUpdateTimeoutMs: 500, updaterIntervalMs: 60_000, ...over,
  }, dir);
  const node = await startStorageNode(config, silentLogger());
  const client = new NodeClient('127.0.0.1', node.port, { ...DEFAULT_NODE_CLIENT_CONFIG, peerSecret: SECRET, nodeTimeoutMs: 5000 });
  t.teardown(async () => { client.close(); await node.stop(); });
  return { node, client, dir };
}

const ref = (object = 'o') => ({ device: 'd1', partition: 3, account: 'AUTH_a', container: 'c', object });
const cref = { device: 'd1', partition: 9, account: 'AUTH_a', container: 'c' };
const header = (over: Partial<PutObjectHeaderMsg> = {}): PutObjectHeaderMsg => ({
  ref: ref(), contentType: 'text/plain', metadata: {}, deleteAtMs: 0, contentLength: -1, ifNoneMatchAny: false, containerUpdates: [], ...over,
});
const list = (over: Partial<ListRequestMsg> = {}): ListRequestMsg => ({
  ...cref, prefix: '', delimiter: '', marker: '', endMarker: '', limit: 0, reverse: false, ...over,
});

async function put(client: NodeClient, h: PutObjectHeaderMsg, chunks: Buffer[], timestamp: string, expectedEtag = '') {
  const s = await client.putObject(h);
  for (const c of chunks) if (!s.write(c)) await s.drained();
  return s.finish({ timestamp, expectedEtag });
}

t.test('storage node serves PUT, GET with ranges, HEAD, POST and DELETE over gRPC', async (t) => {
  const { client } = await startNode(t);
  const body = Buffer.alloc(300_000, 7);
  body.write('start', 0);
  const out = await put(client, header({ metadata: { 'x-object-meta-k': 'v' }, contentLength: body.length }), [body.subarray(0, 100_000), body.subarray(100_000)], ts(1));
  t.equal(out.size, body.length);
  const full = await client.getObject({ ref: ref(), ranged: false, rangeStart: 0, rangeEnd: -1, suffixLength: 0 });
  t.equal(full.head.meta.etag, out.etag);
  t.same(full.head.meta.metadata, { 'x-object-meta-k': 'v' });
  t.ok((await buffer(full.body)).equals(body));
  const part = await client.getObject({ ref: ref(), ranged: true, rangeStart: 0, rangeEnd: 4, suffixLength: 0 });
  t.equal((await buffer(part.body)).toString(), 'start');
  t.same([part.head.ranged, part.head.rangeStart, part.head.rangeEnd], [true, 0, 4]);
  const suffix = await client.getObject({ ref: ref(), ranged: true, rangeStart: 0, rangeEnd: 0, suffixLength: 10 });
  t.equal((await buffer(suffix.body)).length, 10);
  await t.rejects(client.getObject({ ref: ref(), ranged: true, rangeStart: 400_000, rangeEnd: -1, suffixLength: 0 }), { code: 'RANGE_NOT_SATISFIABLE' });
  await client.postObject({ ref: ref(), timestamp: ts(2), metadata: { 'x-object-meta-n': '2' }, contentType: '', deleteAtMs: -1, containerUpdates: [] });
  t.same((await client.headObject(ref())).meta.metadata, { 'x-object-meta-n': '2' });
  t.same(await client.deleteObject({ ref: ref(), timestamp: ts(3), containerUpdates: [] }), { existed: true });
  await t.rejects(client.headObject(ref()), { code: 'NOT_FOUND' });
  await t.rejects(client.getObject({ ref: ref(), ranged: false, rangeStart: 0, rangeEnd: -1, suffixLength: 0 }), { code: 'NOT_FOUND' });
});

t.test('storage node refuses calls without the peer credential', async (t) => {
  const { node } = await startNode(t);
  const bad = new NodeClient('127.0.0.1', node.port, { ...DEFAULT_NODE_CLIENT_CONFIG, peerSecret: 'wrong' });
  t.teardown(() => bad.close());
  await t.rejects(bad.headObject(ref()), { code: 'UNAUTHENTICATED' });
  await t.rejects(bad.nodeInfo(), { code: 'UNAUTHENTICATED' });
  const raw = new ObjectServiceClient(`127.0.0.1:${node.port}`, credentials.createInsecure());
  t.teardown(() => raw.close());
  const err = await new Promise<ServiceError>((resolve) => {
    (raw as unknown as { HeadObject: (r: unknown, m: Metadata, cb: (e: ServiceError) => void) => void }).HeadObject(ref(), new Metadata(), resolve);
  });
  t.equal(err.metadata.get(ERROR_CODE_METADATA_KEY)[0], 'UNAUTHENTICATED');
});

t.test('storage node answers bad input with INVALID_ARGUMENT and keeps serving', async (t) => {
  const { client, node } = await startNode(t);
  await t.rejects(client.headObject({ ...ref(), device: '../etc' }), { code: 'INVALID_ARGUMENT' });
  await t.rejects(client.headObject({ ...ref(), account: '' }), { code: 'INVALID_ARGUMENT' });
  await t.rejects(client.headObject({ ...ref(), container: 'a/b' }), { code: 'INVALID_ARGUMENT' });
  await t.rejects(client.headObject({ ...ref(), object: 'x'.repeat(2000) }), { code: 'INVALID_ARGUMENT' });
  await t.rejects(client.deleteObject({ ref: ref(), timestamp: 'now', containerUpdates: [] }), { code: 'INVALID_ARGUMENT' });
  await t.rejects(put(client, header(), [Buffer.from('abc')], 'bad'), { code: 'INVALID_ARGUMENT' });
  await t.rejects(put(client, header(), [Buffer.from('abc')], ts(1), 'ffffffffffffffffffffffffffffffff'), { code: 'CHECKSUM_MISMATCH' });
  await t.rejects(put(client, header({ contentLength: 5 }), [Buffer.from('abc')], ts(1)), { code: 'INVALID_ARGUMENT' });
  await t.rejects(client.listContainer(list({ limit: 20_000 })), { code: 'INVALID_ARGUMENT' });
  await t.rejects(client.headObject({ ...ref(), device: 'nodev' }), { code: 'NOT_MOUNTED' });
  // A stream that starts with a chunk instead of a header.
  const raw = new ObjectServiceClient(`127.0.0.1:${node.port}`, credentials.createInsecure());
  t.teardown(() => raw.close());
  const md = new Metadata();
  md.set(PEER_METADATA_KEY, SECRET);
  const err = await new Promise<ServiceError | null>((resolve) => {
    const call = raw.makeClientStreamRequest('/strata.storage.ObjectService/PutObject',
      (ObjectServiceClient.service.PutObject as { requestSerialize: (v: unknown) => Buffer }).requestSerialize,
      (b: Buffer) => b, md, {}, (e) => resolve(e));
    call.write({ chunk: Buffer.from('x') });
    call.end();
  });
  t.equal(err?.metadata.get(ERROR_CODE_METADATA_KEY)[0], 'INVALID_ARGUMENT');
  t.equal((await client.nodeInfo()).nodeId, 'n1', 'still serving');
});

t.test('storage node refuses writes below the reserve with NO_SPACE', async (t) => {
  const { client } = await startNode(t, { reserveBytes: Number.MAX_SAFE_INTEGER });
  await t.rejects(put(client, header(), [Buffer.from('abc')], ts(1)), { code: 'NO_SPACE' });
  await t.rejects(client.putContainer({ ref: cref, timestamp: ts(1), metadata: {}, accountUpdates: [] }), { code: 'NO_SPACE' });
  const info = await client.nodeInfo();
  t.equal(info.devices[0]?.mounted, true);
});

t.test('object writes update the container listing and containers update the account', async (t) => {
  const { client, node } = await startNode(t);
  const self: TargetMsg = { ip: '127.0.0.1', port: node.port, device: 'd1', partition: cref.partition };
  const acct: TargetMsg = { ip: '127.0.0.1', port: node.port, device: 'd1', partition: 2 };
  t.same(await client.putContainer({ ref: cref, timestamp: ts(0), metadata: { 'x-container-meta-a': '1' }, accountUpdates: [acct] }), { created: true });
  t.match((await client.listAccount({ ...list(), partition: 2, container: '' })).entries, [{ entry: 'container', container: { name: 'c' } }]);
  for (const name of ['a/1', 'a/2', 'b']) {
    await put(client, header({ ref: ref(name), containerUpdates: [self] }), [Buffer.from(name)], ts(1));
  }
  t.match(await client.headContainer(cref), { objectCount: 3, bytesUsed: 7, metadata: { 'x-container-meta-a': '1' } });
  const es = (await client.listContainer(list({ delimiter: '/' }))).entries;
  t.same(es.map((e) => (e.entry === 'subdir' ? e.subdir : e.object.name)), ['a/', 'b']);
  await t.rejects(client.deleteContainer({ ref: cref, timestamp: ts(2), accountUpdates: [] }), { code: 'CONFLICT' });
  for (const name of ['a/1', 'a/2', 'b']) await client.deleteObject({ ref: ref(name), timestamp: ts(3), containerUpdates: [self] });
  t.match(await client.headContainer(cref), { objectCount: 0, bytesUsed: 0 });
  // Account stats follow through the updater (dirty containers).
  await node.updater.runOnce(new AbortController().signal);
  t.match(await client.headAccount({ device: 'd1', partition: 2, account: 'AUTH_a' }), { containerCount: 1, objectCount: 0 });
  await client.deleteContainer({ ref: cref, timestamp: ts(4), accountUpdates: [acct] });
  await t.rejects(client.headContainer(cref), { code: 'NOT_FOUND' });
  t.match(await client.headAccount({ device: 'd1', partition: 2, account: 'AUTH_a' }), { containerCount: 0 });
});

t.test('an undeliverable container update is journalled and the updater delivers it later', async (t) => {
  const first = await startNode(t);
  const laterPort = await freePort();
  const target: TargetMsg = { ip: '127.0.0.1', port: laterPort, device: 'd1', partition: cref.partition };
  const out = await put(first.client, header({ ref: ref('late'), containerUpdates: [target] }), [Buffer.from('x')], ts(1));
  t.equal(out.size, 1, 'the write succeeds although the container replica is down');
  t.equal(await first.node.updater.journalDepth('d1'), 1);
  const signal = new AbortController().signal;
  t.equal(await first.node.updater.runOnce(signal), 'idle');
  t.equal(await first.node.updater.journalDepth('d1'), 1, 'kept while the replica is down');
  const second = await startNode(t, { port: laterPort }, 'n2');
  await second.client.putContainer({ ref: cref, timestamp: ts(0), metadata: {}, accountUpdates: [] });
  // The client channel to the once-dead address reconnects with backoff: poll with a deadline.
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && (await first.node.updater.journalDepth('d1')) > 0) {
    await first.node.updater.runOnce(signal);
    await new Promise((r) => setTimeout(r, 100));
  }
  t.equal(await first.node.updater.journalDepth('d1'), 0);
  t.match((await second.client.listContainer(list())).entries, [{ entry: 'object', object: { name: 'late', size: 1 } }]);
});

t.test('storage node survives a GET cancelled mid-stream and hides expired objects', async (t) => {
  const { client } = await startNode(t);
  const big = Buffer.alloc(4 * 1024 * 1024, 1);
  await put(client, header({ ref: ref('big') }), [big], ts(1));
  const got = await client.getObject({ ref: ref('big'), ranged: false, rangeStart: 0, rangeEnd: -1, suffixLength: 0 });
  const it = got.body[Symbol.asyncIterator]();
  const first = await it.next();
  t.ok((first.value as Buffer).length > 0 && (first.value as Buffer).length <= READ_CHUNK_BYTES, 'chunks are at most READ_CHUNK_BYTES');
  got.body.destroy();
  t.equal((await client.headObject(ref('big'))).meta.size, big.length, 'still serving');
  await put(client, header({ ref: ref('exp'), deleteAtMs: Date.now() - 1 }), [Buffer.from('x')], ts(2));
  await t.rejects(client.headObject(ref('exp')), { code: 'NOT_FOUND' });
});

t.test('storage node stores a whole small object sent in one PutSmallObject call', async (t) => {
  const { client, node } = await startNode(t);
  const self: TargetMsg = { ip: '127.0.0.1', port: node.port, device: 'd1', partition: cref.partition };
  await client.putContainer({ ref: cref, timestamp: ts(0), metadata: {}, accountUpdates: [] });
  const body = Buffer.from('small body');
  const out = await client.putSmallObject({ header: header({ ref: ref('s'), contentLength: body.length, containerUpdates: [self] }), body, trailer: { timestamp: ts(1), expectedEtag: '' } });
  t.equal(out.size, body.length);
  const got = await client.getObject({ ref: ref('s'), ranged: false, rangeStart: 0, rangeEnd: -1, suffixLength: 0, acceptInline: true });
  t.equal(got.head.meta.etag, out.etag);
  t.equal((await buffer(got.body)).toString(), 'small body');
  t.equal(got.head.inline, true, 'a small body comes inside the head message');
  const old = await client.getObject({ ref: ref('s'), ranged: false, rangeStart: 0, rangeEnd: -1, suffixLength: 0 });
  t.equal(old.head.inline, false, 'not to a caller that did not ask (an older proxy)');
  t.equal((await buffer(old.body)).toString(), 'small body');
  const ranged = await client.getObject({ ref: ref('s'), ranged: true, rangeStart: 6, rangeEnd: 9, suffixLength: 0 });
  t.equal(ranged.head.inline, false, 'a range streams');
  t.equal((await buffer(ranged.body)).toString(), 'body');
  t.match(await client.headContainer(cref), { objectCount: 1, bytesUsed: body.length }, 'the listing row went to the container');
  const empty = await client.putSmallObject({ header: header({ ref: ref('e'), contentLength: 0 }), body: Buffer.alloc(0), trailer: { timestamp: ts(2), expectedEtag: '' } });
  t.equal(empty.size, 0, 'an empty object');
  const gotEmpty = await client.getObject({ ref: ref('e'), ranged: false, rangeStart: 0, rangeEnd: -1, suffixLength: 0 });
  t.equal((await buffer(gotEmpty.body)).length, 0, 'reads back empty');
  // Bad input: the same checks as the streamed PUT, and nothing is stored.
  const small = (over: Partial<PutObjectHeaderMsg>, timestamp = ts(3), expectedEtag = '') =>
    client.putSmallObject({ header: header({ ref: ref('bad'), ...over }), body, trailer: { timestamp, expectedEtag } });
  await t.rejects(small({}, ts(3), 'f'.repeat(32)), { code: 'CHECKSUM_MISMATCH' });
  await t.rejects(small({ contentLength: body.length + 1 }), { code: 'INVALID_ARGUMENT' });
  await t.rejects(small({}, 'later'), { code: 'INVALID_ARGUMENT' });
  await t.rejects(small({ ref: { ...ref('bad'), device: '../etc' } }), { code: 'INVALID_ARGUMENT' });
  await t.rejects(client.headObject(ref('bad')), { code: 'NOT_FOUND' });
});
