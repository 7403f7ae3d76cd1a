/**
 * Listings: ListBuckets, ListObjects (v1 and v2) and ListObjectVersions (no versioning here:
 * every object is its own single version "null"). All page through the container listing of the
 * cluster with limit = max-keys + 1 to learn whether the result is truncated.
 */
import type { ObjectListingEntry, SubdirEntry } from '../../cluster/index.js';
import { checkList, resolveBucket } from './access.js';
import { ownerOf, type S3Context } from './context.js';
import { S3Error } from './errors.js';
import { listingView } from './object-reader.js';
import { uriEncode } from './sigv4.js';
import { isoDate, renderXml, type XmlNode } from './xml.js';

const MAX_KEYS = 1000;
const HEAD_CONCURRENCY = 16;

interface Page {
  entries: Array<ObjectListingEntry | SubdirEntry>;
  truncated: boolean;
  /** The last key or common prefix returned (the next marker when truncated). */
  last?: string;
}

/** Parses max-keys (default and cap 1000). @throws S3Error InvalidArgument */
export function parseMaxKeys(text: string | undefined, name = 'max-keys'): number {
  if (text === undefined) return MAX_KEYS;
  if (!/^\d{1,10}$/.test(text)) throw new S3Error('InvalidArgument', `Provided ${name} not an integer or within integer range`, { ArgumentName: name, ArgumentValue: text });
  return Math.min(Number(text), MAX_KEYS);
}

/**
 * One page of the bucket. A marker that is a common prefix is moved past everything under it,
 * so the next page does not repeat that prefix.
 */
async function listPage(ctx: S3Context, account: string, bucket: string, prefix: string, delimiter: string, marker: string, maxKeys: number): Promise<Page> {
  if (maxKeys === 0) return { entries: [], truncated: false };
  let from = marker;
  if (delimiter && from.endsWith(delimiter) && from.startsWith(prefix)) {
    from = from.slice(0, -1) + String.fromCharCode(delimiter.charCodeAt(delimiter.length - 1) + 1);
  }
  const entries = await ctx.deps.cluster.listContainer({ account, container: bucket }, {
    prefix: prefix || undefined, delimiter: delimiter || undefined, marker: from || undefined, limit: maxKeys + 1,
  });
  const truncated = entries.length > maxKeys;
  const page = truncated ? entries.slice(0, maxKeys) : entries;
  const lastEntry = page[page.length - 1];
  const last = lastEntry === undefined ? undefined : 'subdir' in lastEntry ? lastEntry.subdir : lastEntry.name;
  return { entries: page, truncated, last };
}

function encoder(ctx: S3Context): (s: string | undefined) => string | undefined {
  const encodingType = ctx.query.get('encoding-type');
  if (encodingType !== undefined && encodingType !== 'url') throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', { ArgumentName: 'encoding-type' });
  return (s) => (s === undefined ? undefined : encodingType === 'url' ? uriEncode(s, true) : s);
}

function splitEntries(page: Page): { objects: ObjectListingEntry[]; prefixes: string[] } {
  const objects: ObjectListingEntry[] = [];
  const prefixes: string[] = [];
  for (const e of page.entries) {
    if ('subdir' in e) prefixes.push(e.subdir);
    else objects.push(e);
  }
  return { objects, prefixes };
}

/** GET /bucket and GET /bucket?list-type=2 */
export async function listObjects(ctx: S3Context): Promise<void> {
  const target = await resolveBucket(ctx, 'read');
  checkList(target);
  const q = ctx.query;
  const v2 = q.get('list-type') === '2';
  const enc = encoder(ctx);
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const maxKeys = parseMaxKeys(q.get('max-keys'));
  const token = q.get('continuation-token');
  let marker: string;
  if (v2) {
    marker = token !== undefined ? decodeToken(token) : (q.get('start-after') ?? '');
  } else {
    marker = q.get('marker') ?? '';
  }
  const page = await listPage(ctx, target.account, target.bucket, prefix, delimiter, marker, maxKeys);
  const { objects, prefixes } = splitEntries(page);
  const withOwner = !v2 || q.get('fetch-owner') === 'true';
  const contents: XmlNode[] = objects.map((o) => ({
    Key: enc(o.name), LastModified: isoDate(o.lastModifiedMs), ETag: `"${listingView(o).etag}"`, Size: listingView(o).size,
    Owner: withOwner ? ownerOf(target.account) : undefined, StorageClass: 'STANDARD',
  }));
  const common: XmlNode[] = prefixes.map((p) => ({ Prefix: enc(p) }));
  const body: XmlNode = v2
    ? {
      Name: target.bucket, Prefix: enc(prefix), StartAfter: q.has('start-after') ? enc(q.get('start-after')) : undefined,
      ContinuationToken: token, NextContinuationToken: page.truncated && page.last !== undefined ? encodeToken(page.last) : undefined,
      KeyCount: page.entries.length, MaxKeys: maxKeys, Delimiter: delimiter ? enc(delimiter) : undefined,
      EncodingType: q.get('encoding-type'), IsTruncated: page.truncated, Contents: contents, CommonPrefixes: common,
    }
    : {
      Name: target.bucket, Prefix: enc(prefix), Marker: enc(marker),
      NextMarker: page.truncated && delimiter ? enc(page.last) : undefined,
      MaxKeys: maxKeys, Delimiter: delimiter ? enc(delimiter) : undefined, EncodingType: q.get('encoding-type'),
      IsTruncated: page.truncated, Contents: contents, CommonPrefixes: common,
    };
  ctx.reply.code(200).type('application/xml').send(renderXml('ListBucketResult', body));
}

/** GET /bucket?versions: every object is its one version, VersionId "null". */
export async function listObjectVersions(ctx: S3Context): Promise<void> {
  const target = await resolveBucket(ctx, 'read');
  checkList(target);
  const q = ctx.query;
  const enc = encoder(ctx);
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const maxKeys = parseMaxKeys(q.get('max-keys'));
  const keyMarker = q.get('key-marker') ?? '';
  const page = await listPage(ctx, target.account, target.bucket, prefix, delimiter, keyMarker, maxKeys);
  const { objects, prefixes } = splitEntries(page);
  const body: XmlNode = {
    Name: target.bucket, Prefix: enc(prefix), KeyMarker: enc(keyMarker), VersionIdMarker: q.get('version-id-marker') ?? '',
    NextKeyMarker: page.truncated ? enc(page.last) : undefined, NextVersionIdMarker: page.truncated ? 'null' : undefined,
    MaxKeys: maxKeys, Delimiter: delimiter ? enc(delimiter) : undefined, EncodingType: q.get('encoding-type'),
    IsTruncated: page.truncated,
    Version: objects.map((o) => ({
      Key: enc(o.name), VersionId: 'null', IsLatest: true, LastModified: isoDate(o.lastModifiedMs),
      ETag: `"${listingView(o).etag}"`, Size: listingView(o).size, Owner: ownerOf(target.account), StorageClass: 'STANDARD',
    })),
    CommonPrefixes: prefixes.map((p) => ({ Prefix: enc(p) })),
  };
  ctx.reply.code(200).type('application/xml').send(renderXml('ListVersionsResult', body));
}

/** GET /: the requester's buckets with their creation dates. */
export async function listBuckets(ctx: S3Context): Promise<void> {
  const me = ctx.identity!;
  const { cluster } = ctx.deps;
  const buckets: XmlNode[] = [];
  let marker: string | undefined;
  // Bounded: at most 10 pages of 1,000 containers.
  for (let pageNo = 0; pageNo < 10; pageNo++) {
    const page = await cluster.listAccount(me.account, { marker, limit: 1000 });
    const names = page.flatMap((e) => ('name' in e ? [e.name] : [])).filter((n) => !n.endsWith('+segments'));
    // Creation dates need one HEAD per bucket; a few at a time keeps the fan-out bounded.
    for (let i = 0; i < names.length; i += HEAD_CONCURRENCY) {
      const batch = names.slice(i, i + HEAD_CONCURRENCY);
      const infos = await Promise.all(batch.map((name) => cluster.headContainer({ account: me.account, container: name }).catch(() => undefined)));
      batch.forEach((name, j) => {
        const info = infos[j];
        if (info) buckets.push({ Name: name, CreationDate: isoDate(info.createdAtMs) });
      });
    }
    if (page.length < 1000) break;
    const last = page[page.length - 1]!;
    marker = 'name' in last ? last.name : last.subdir;
  }
  const body: XmlNode = { Owner: ownerOf(me.account), Buckets: { Bucket: buckets } };
  ctx.reply.code(200).type('application/xml').send(renderXml('ListAllMyBucketsResult', body));
}

function encodeToken(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

function decodeToken(token: string): string {
  const key = Buffer.from(token, 'base64url').toString('utf8');
  if (encodeToken(key) !== token) throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect', { ArgumentName: 'continuation-token' });
  return key;
}
