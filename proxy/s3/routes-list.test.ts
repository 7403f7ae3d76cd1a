import t from 'tap';
import { s3TestApp, send, xmlText } from './s3-test-app.js';

const KEYS = ['a/1', 'a/2', 'b/1', 'c', 'd e', 'd+f'];

async function filled(t: { teardown(fn: () => unknown): void }) {
  const ta = await s3TestApp();
  t.teardown(() => ta.app.close());
  await send(ta.app, { method: 'PUT', url: '/lst' });
  for (const k of KEYS) await send(ta.app, { method: 'PUT', url: `/lst/${encodeURIComponent(k).replace(/%2F/g, '/')}`, body: k });
  return ta;
}

const keys = (body: string) => [...body.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]);
const prefixes = (body: string) => [...body.matchAll(/<Prefix>([^<]*)<\/Prefix>/g)].map((m) => m[1]).slice(1);

t.test('ListObjectsV2 pages with max-keys and continuation tokens until done', async (t) => {
  const { app } = await filled(t);
  const seen: string[] = [];
  let token: string | undefined;
  for (let i = 0; i < 10; i++) {
    const url = `/lst?list-type=2&max-keys=2${token ? `&continuation-token=${encodeURIComponent(token)}` : ''}`;
    const r = await send(app, { method: 'GET', url });
    t.equal(r.statusCode, 200);
    seen.push(...keys(r.body));
    if (xmlText(r.body, 'IsTruncated') !== 'true') break;
    token = xmlText(r.body, 'NextContinuationToken');
  }
  t.same(seen, KEYS);
  const bad = await send(app, { method: 'GET', url: '/lst?list-type=2&continuation-token=%25%25%25' });
  t.equal(xmlText(bad.body, 'Code'), 'InvalidArgument');
  const bad2 = await send(app, { method: 'GET', url: '/lst?list-type=2&max-keys=-1' });
  t.equal(xmlText(bad2.body, 'Code'), 'InvalidArgument');
});

t.test('ListObjects with delimiter returns common prefixes once across pages', async (t) => {
  const { app } = await filled(t);
  const r = await send(app, { method: 'GET', url: '/lst?delimiter=%2F' });
  t.same(prefixes(r.body), ['a/', 'b/']);
  t.same(keys(r.body), ['c', 'd e', 'd+f']);
  const p1 = await send(app, { method: 'GET', url: '/lst?delimiter=%2F&max-keys=1' });
  t.equal(xmlText(p1.body, 'NextMarker'), 'a/');
  const p2 = await send(app, { method: 'GET', url: '/lst?delimiter=%2F&max-keys=1&marker=a%2F' });
  t.same(prefixes(p2.body), ['b/'], 'the next page starts after everything under a/');
  const pre = await send(app, { method: 'GET', url: '/lst?list-type=2&prefix=a%2F&start-after=a%2F1' });
  t.same(keys(pre.body), ['a/2']);
  const owner = await send(app, { method: 'GET', url: '/lst?list-type=2&fetch-owner=true&max-keys=1' });
  t.equal(xmlText(owner.body, 'ID'), 'AUTH_test');
  t.notMatch((await send(app, { method: 'GET', url: '/lst?list-type=2&max-keys=1' })).body, /<Owner>/);
});

t.test('encoding-type=url encodes keys and prefixes', async (t) => {
  const { app } = await filled(t);
  const r = await send(app, { method: 'GET', url: '/lst?list-type=2&encoding-type=url&prefix=d' });
  t.same(keys(r.body), ['d%20e', 'd%2Bf']);
  t.equal(xmlText(r.body, 'EncodingType'), 'url');
  t.equal(xmlText((await send(app, { method: 'GET', url: '/lst?encoding-type=base64' })).body, 'Code'), 'InvalidArgument');
});

t.test('ListObjectVersions lists every object once with VersionId null', async (t) => {
  const { app } = await filled(t);
  const r = await send(app, { method: 'GET', url: '/lst?versions&max-keys=4' });
  t.equal(r.statusCode, 200);
  t.same(keys(r.body), KEYS.slice(0, 4));
  t.equal((r.body.match(/<VersionId>null<\/VersionId>/g) ?? []).length, 4);
  t.equal(xmlText(r.body, 'NextKeyMarker'), 'c');
  const rest = await send(app, { method: 'GET', url: '/lst?versions&key-marker=c' });
  t.same(keys(rest.body), ['d e', 'd+f']);
});

t.test('another account cannot list a private bucket', async (t) => {
  const { app } = await filled(t);
  const r = await send(app, { method: 'GET', url: '/lst', accessKey: 'test2:tester2', secret: 'testing2' });
  t.equal(r.statusCode, 403);
  t.equal(xmlText(r.body, 'Code'), 'AccessDenied');
});
