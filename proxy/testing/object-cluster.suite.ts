/**
 * The ObjectCluster contract as a test suite (abstract-level style): every implementation runs
 * it, so the Swift and S3 fronts can rely on the same listing, range, expiry and metadata
 * semantics from the in-memory fake and from the replicated cluster. Each test uses its own
 * account, so one long-lived cluster may serve all of them.
 */
import type { Test } from 'tap';
import { Readable } from 'node:stream';
import { createHash, randomBytes } from 'node:crypto';
import { StoreError } from '../../common/index.js';
import type { ListingOptions, ObjectCluster } from '../../cluster/index.js';

export interface ClusterUnderTest {
  cluster: ObjectCluster;
  /** Wall-clock milliseconds as the cluster sees them. */
  nowMs(): number;
  /** Moves the cluster's clock forward; absent when time cannot be controlled (expiry tests skip). */
  advanceMs?(ms: number): void;
}

const body = (s: string): Readable => Readable.from([Buffer.from(s)]);
const text = async (r: Readable): Promise<string> => {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts).toString();
};
const code = (err: unknown): string => (err instanceof StoreError ? err.code : 'not a StoreError');

/** Runs the contract against clusters made by `make` (one per test). */
export function objectClusterSuite(t: Test, make: () => Promise<ClusterUnderTest>): void {
  const fresh = async () => {
    const under = await make();
    const A = { account: `AUTH_suite${randomBytes(4).toString('hex')}`, container: 'c' };
    const c = under.cluster;
    await c.putContainer(A, { 'x-container-meta-x': '1' });
    for (const name of ['a', 'b/1', 'b/2', 'c', 'd/e/f']) {
      await c.putObject({ ...A, object: name, body: body(name), contentType: 'text/plain', metadata: {} });
    }
    return { ...under, c, A };
  };

  t.test('putObject() stores etag, size and a newer timestamp each time', async (t) => {
    const { c, A } = await fresh();
    const r1 = await c.putObject({ ...A, object: 'x', body: body('hello'), contentType: 'text/plain', metadata: { 'x-object-meta-k': 'v' } });
    t.equal(r1.etag, createHash('md5').update('hello').digest('hex'));
    t.equal(r1.size, 5);
    const r2 = await c.putObject({ ...A, object: 'x', body: body('hi'), contentType: 'text/plain', metadata: {} });
    t.ok(r2.timestamp > r1.timestamp);
    const meta = await c.headObject({ ...A, object: 'x' });
    t.equal(meta.size, 2);
    t.same(meta.metadata, {});
    t.match(meta.checksum, /^[0-9a-f]{16}$/);
  });

  t.test('putObject() rejects a bad etag, a short body, an existing object with ifNoneMatchAny, a missing container', async (t) => {
    const { c, A } = await fresh();
    const base = { ...A, object: 'y', contentType: 'x', metadata: {} };
    await t.rejects(c.putObject({ ...base, body: body('abc'), expectedEtag: 'ffff' }), { code: 'CHECKSUM_MISMATCH' });
    await t.rejects(c.putObject({ ...base, body: body('abc'), contentLength: 4 }), { code: 'INVALID_ARGUMENT' });
    await t.rejects(c.putObject({ ...base, object: 'a', body: body('abc'), ifNoneMatchAny: true }), { code: 'PRECONDITION_FAILED' });
    await t.rejects(c.putObject({ ...base, container: 'nope', body: body('abc') }), { code: 'NOT_FOUND' });
    await t.rejects(c.headObject({ ...A, object: 'y' }), { code: 'NOT_FOUND' });
  });

  t.test('getObject() serves ranges and suffixes, RANGE_NOT_SATISFIABLE past the end', async (t) => {
    const { c, A } = await fresh();
    await c.putObject({ ...A, object: 'r', body: body('0123456789'), contentType: 'x', metadata: {} });
    const g1 = await c.getObject({ ...A, object: 'r', range: { start: 2, end: 4 } });
    t.same(g1.range, { start: 2, end: 4 });
    t.equal(await text(g1.body), '234');
    t.equal(await text((await c.getObject({ ...A, object: 'r', range: { suffix: 3 } })).body), '789');
    t.equal(await text((await c.getObject({ ...A, object: 'r', range: { start: 8, end: 100 } })).body), '89');
    t.equal(await text((await c.getObject({ ...A, object: 'r' })).body), '0123456789');
    await t.rejects(c.getObject({ ...A, object: 'r', range: { start: 10 } }), { code: 'RANGE_NOT_SATISFIABLE' });
  });

  t.test('objects past deleteAtMs are not served or listed', async (t) => {
    const under = await fresh();
    const { c, A } = under;
    if (!under.advanceMs) {
      t.pass('skipped: the cluster clock cannot be moved');
      return;
    }
    await c.putObject({ ...A, object: 'tmp', body: body('x'), contentType: 'x', metadata: {}, deleteAtMs: under.nowMs() + 1000 });
    t.equal((await c.headObject({ ...A, object: 'tmp' })).deleteAtMs, under.nowMs() + 1000);
    under.advanceMs(1000);
    await t.rejects(c.getObject({ ...A, object: 'tmp' }), { code: 'NOT_FOUND' });
    const names = (await c.listContainer(A, { limit: 100 })).map((e) => ('name' in e ? e.name : e.subdir));
    t.notOk(names.includes('tmp'));
  });

  t.test('listContainer() applies prefix, delimiter, markers, reverse and limit', async (t) => {
    const { c, A } = await fresh();
    const names = async (opts: ListingOptions): Promise<string[]> =>
      (await c.listContainer(A, opts)).map((e) => ('name' in e ? e.name : `${e.subdir}*`));
    t.same(await names({ limit: 100 }), ['a', 'b/1', 'b/2', 'c', 'd/e/f']);
    t.same(await names({ limit: 100, delimiter: '/' }), ['a', 'b/*', 'c', 'd/*']);
    t.same(await names({ limit: 100, delimiter: '/', prefix: 'd/' }), ['d/e/*']);
    t.same(await names({ limit: 100, prefix: 'b/' }), ['b/1', 'b/2']);
    t.same(await names({ limit: 2, marker: 'a' }), ['b/1', 'b/2']);
    t.same(await names({ limit: 100, endMarker: 'c' }), ['a', 'b/1', 'b/2']);
    t.same(await names({ limit: 100, reverse: true }), ['d/e/f', 'c', 'b/2', 'b/1', 'a']);
    t.same(await names({ limit: 100, reverse: true, marker: 'c', endMarker: 'a' }), ['b/2', 'b/1']);
    t.same(await names({ limit: 100, delimiter: '/', marker: 'b/' }), ['c', 'd/*']);
    const entry = (await c.listContainer(A, { limit: 1 }))[0]!;
    t.match(entry, { name: 'a', size: 1, etag: createHash('md5').update('a').digest('hex'), contentType: 'text/plain' });
    await t.rejects(c.listContainer({ ...A, container: 'zz' }, { limit: 1 }), { code: 'NOT_FOUND' });
  });

  t.test('containers and accounts keep counts and metadata', async (t) => {
    const { c, A } = await fresh();
    t.same(await c.putContainer(A, {}), { created: false });
    await c.postContainer(A, { 'x-container-meta-x': '', 'x-container-meta-y': '2' });
    const info = await c.headContainer(A);
    t.equal(info.objectCount, 5);
    t.equal(info.bytesUsed, 1 + 3 + 3 + 1 + 5);
    t.same(info.metadata, { 'x-container-meta-y': '2' });
    await t.rejects(c.deleteContainer(A), { code: 'CONFLICT' });
    await c.putContainer({ ...A, container: 'empty' }, {});
    const acc = await c.headAccount(A.account);
    t.same([acc.containerCount, acc.objectCount], [2, 5]);
    t.same((await c.listAccount(A.account, { limit: 10 })).map((e) => ('name' in e ? e.name : '')), ['c', 'empty']);
    await c.deleteContainer({ ...A, container: 'empty' });
    t.equal((await c.headAccount(A.account)).containerCount, 1);
    t.match(await c.headAccount(`${A.account}never`), { containerCount: 0, objectCount: 0, bytesUsed: 0 });
    await c.postAccount(A.account, { 'x-account-meta-q': 'z' });
    t.same((await c.headAccount(A.account)).metadata, { 'x-account-meta-q': 'z' });
    t.equal(code(await c.deleteObject({ ...A, object: 'missing' }).catch((e: unknown) => e)), 'NOT_FOUND');
    await c.deleteObject({ ...A, object: 'a' });
    await t.rejects(c.headObject({ ...A, object: 'a' }), { code: 'NOT_FOUND' });
  });

  t.test('postObject() replaces metadata and sets or clears deleteAtMs', async (t) => {
    const { c, A } = await fresh();
    const later = Date.now() + 3600_000;
    await c.postObject({ ...A, object: 'a', metadata: { 'x-object-meta-n': '1' }, contentType: 'image/png', deleteAtMs: later });
    let m = await c.headObject({ ...A, object: 'a' });
    t.same([m.metadata, m.contentType, m.deleteAtMs], [{ 'x-object-meta-n': '1' }, 'image/png', later]);
    t.ok(m.metaTimestamp > m.timestamp);
    await c.postObject({ ...A, object: 'a', metadata: {}, deleteAtMs: null });
    m = await c.headObject({ ...A, object: 'a' });
    t.equal(m.deleteAtMs, undefined);
    await t.rejects(c.postObject({ ...A, object: 'zz', metadata: {} }), { code: 'NOT_FOUND' });
  });
}
