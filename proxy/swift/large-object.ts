/**
 * Swift large objects seen from a GET/HEAD: a Static Large Object (its manifest lists the
 * segments; ETag is the quoted MD5 of the segment ETags) or a Dynamic Large Object
 * (X-Object-Manifest "container/prefix": the segments are that prefix's listing, in order).
 * Both become a SegmentRef list that proxy/large-objects streams.
 */
import type { Readable } from 'node:stream';
import { StoreError } from '../../common/index.js';
import type { ObjectMeta, ObjectPath } from '../../cluster/index.js';
import { combinedEtag, totalSize, type SegmentRef } from '../large-objects/segment-reader.js';
import { authorizeContainer, type SwiftContext } from './context.js';
import type { ObjectView } from './object-headers.js';
import { SLO_LIMITS } from './constraints.js';

/** One segment as the stored manifest records it (Swift's own stored format). */
export interface StoredSegment {
  name: string;
  bytes: number;
  hash: string;
  content_type: string;
  last_modified: string;
  range?: string;
}

export interface LargeView {
  view: ObjectView;
  segments: SegmentRef[];
}

export function isSlo(meta: ObjectMeta): boolean {
  return (meta.metadata['x-static-large-object'] ?? '').toLowerCase() === 'true';
}

export function isDlo(meta: ObjectMeta): boolean {
  return meta.metadata['x-object-manifest'] !== undefined && !isSlo(meta);
}

/**
 * Reads a whole small body (a manifest) with a size cap.
 * @throws TOO_LARGE past `maxBytes`
 */
export async function readBounded(body: Readable, maxBytes: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      throw new StoreError('TOO_LARGE', `Cannot read manifest: over ${maxBytes} bytes`);
    }
    parts.push(chunk);
  }
  return Buffer.concat(parts, size);
}

/** Splits "/container/object" (as stored) into its parts. @throws CORRUPT when malformed */
export function splitSegmentName(name: string): { container: string; object: string } {
  const s = name.startsWith('/') ? name.slice(1) : name;
  const at = s.indexOf('/');
  if (at <= 0 || at === s.length - 1) throw new StoreError('CORRUPT', `Cannot read manifest: bad segment name "${name}"`);
  return { container: s.slice(0, at), object: s.slice(at + 1) };
}

/** SegmentRefs of a stored SLO manifest. @throws CORRUPT when it is not one */
export function segmentsOfManifest(manifest: StoredSegment[]): SegmentRef[] {
  return manifest.map((s) => {
    const ref: SegmentRef = { ...splitSegmentName(s.name), size: s.bytes, etag: s.hash };
    if (s.range) {
      const [a, b] = s.range.split('-').map(Number) as [number, number];
      ref.range = { start: a, end: b };
      ref.size = b - a + 1;
    }
    return ref;
  });
}

/** Parses a stored manifest body. @throws CORRUPT when it is not a manifest */
export function parseStoredManifest(body: Buffer): StoredSegment[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new StoreError('CORRUPT', 'Cannot read manifest: not JSON');
  }
  if (!Array.isArray(parsed) || parsed.some((s) => typeof s?.name !== 'string' || typeof s?.bytes !== 'number')) {
    throw new StoreError('CORRUPT', 'Cannot read manifest: not a segment list');
  }
  return parsed as StoredSegment[];
}

/** Loads an SLO manifest through the cluster. */
export async function loadManifest(ctx: SwiftContext, path: ObjectPath): Promise<{ meta: ObjectMeta; manifest: StoredSegment[] }> {
  const got = await ctx.deps.cluster.getObject({ ...path });
  const body = await readBounded(got.body, SLO_LIMITS.max_manifest_size);
  return { meta: got.meta, manifest: parseStoredManifest(body) };
}

/** The SLO's view, from its manifest object's meta and body. */
export function sloView(meta: ObjectMeta, manifest: StoredSegment[]): LargeView {
  const segments = segmentsOfManifest(manifest);
  const etag = meta.metadata['x-object-sysmeta-slo-etag'] ?? combinedEtag(segments);
  return { view: { meta, size: totalSize(segments), etag, etagHeader: `"${etag}"` }, segments };
}

/**
 * The DLO's view: lists "container/prefix" (paging past the listing limit, bounded) after
 * checking the caller may read that container.
 */
export async function dloView(ctx: SwiftContext, account: string, meta: ObjectMeta): Promise<LargeView> {
  const value = decodeURIComponent(meta.metadata['x-object-manifest']!.replace(/^\//, ''));
  const at = value.indexOf('/');
  const container = at < 0 ? value : value.slice(0, at);
  const prefix = at < 0 ? '' : value.slice(at + 1);
  await authorizeContainer(ctx, 'read', account, container);
  const listed: SegmentRef[] = [];
  let marker: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const entries = await ctx.deps.cluster.listContainer({ account, container }, { prefix, limit: 10000, ...(marker ? { marker } : {}) })
      .catch((err: unknown) => {
        if (err instanceof StoreError && err.code === 'NOT_FOUND') return [];
        throw err;
      });
    for (const e of entries) if ('name' in e) listed.push({ container, object: e.name, size: e.size, etag: e.etag });
    if (entries.length < 10000) break;
    const last = entries[entries.length - 1]!;
    marker = 'name' in last ? last.name : last.subdir;
  }
  const etag = combinedEtag(listed);
  // DLO segments are not pinned to an ETag: Swift serves whatever the listing names now.
  const segments = listed.map(({ etag: _etag, ...rest }) => rest);
  return { view: { meta, size: totalSize(segments), etag, etagHeader: `"${etag}"` }, segments };
}
