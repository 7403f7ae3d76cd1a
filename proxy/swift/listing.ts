/**
 * Account and container listings: query options (limit, marker, end_marker, prefix, delimiter,
 * reverse), format negotiation (format=json|xml|plain or Accept) and rendering with Swift's
 * field names. A listing is at most 10,000 entries, so it is rendered in one piece.
 */
import { StoreError, timestampToMs } from '../../common/index.js';
import type {
  ContainerListingEntry, ListingOptions, ObjectListingEntry, SubdirEntry,
} from '../../cluster/index.js';
import { cleanContentType } from '../large-objects/content-type-params.js';
import { SwiftStatusError } from './errors.js';

export type ListingFormat = 'json' | 'xml' | 'plain';

export const CONTENT_TYPES: Readonly<Record<ListingFormat, string>> = {
  json: 'application/json; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
  plain: 'text/plain; charset=utf-8',
};

/**
 * Reads the listing options from the query string.
 * @throws PRECONDITION_FAILED for a limit over `maxLimit` or a long delimiter, as Swift does;
 *   INVALID_ARGUMENT for a limit that is not a number
 */
export function listingOptions(query: URLSearchParams, maxLimit: number): ListingOptions {
  const opts: ListingOptions = { limit: maxLimit };
  const limit = query.get('limit');
  if (limit !== null && limit !== '') {
    if (!/^\d+$/.test(limit)) throw new StoreError('INVALID_ARGUMENT', `Cannot list: limit "${limit}" is not a number`);
    const n = Number(limit);
    if (n > maxLimit) throw new StoreError('PRECONDITION_FAILED', `Maximum limit is ${maxLimit}`);
    opts.limit = n;
  }
  const delimiter = query.get('delimiter');
  if (delimiter) {
    if ([...delimiter].length > 1) throw new StoreError('PRECONDITION_FAILED', 'Bad delimiter');
    opts.delimiter = delimiter;
  }
  for (const [param, key] of [['prefix', 'prefix'], ['marker', 'marker'], ['end_marker', 'endMarker']] as const) {
    const v = query.get(param);
    if (v) opts[key] = v;
  }
  const reverse = (query.get('reverse') ?? '').toLowerCase();
  if (['true', '1', 'yes', 'on', 't', 'y'].includes(reverse)) opts.reverse = true;
  return opts;
}

/** Picks the format from ?format= first, then the Accept header. @throws 406 for other formats */
export function listingFormat(query: URLSearchParams, accept: string | undefined): ListingFormat {
  const f = query.get('format')?.toLowerCase();
  if (f === 'json' || f === 'xml' || f === 'plain') return f;
  if (f) throw new SwiftStatusError(406, `Cannot list in format "${f}"`);
  const a = (accept ?? '').toLowerCase();
  if (a.includes('application/json')) return 'json';
  if (a.includes('application/xml') || a.includes('text/xml')) return 'xml';
  return 'plain';
}

/** Swift's last_modified: ISO 8601, UTC, microseconds, no zone suffix. */
export function isoMicros(ms: number): string {
  const whole = Math.floor(ms);
  const micros = Math.round((ms - whole) * 1000);
  return `${new Date(whole).toISOString().slice(0, 19)}.${String((whole % 1000) * 1000 + micros).padStart(6, '0')}`;
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

type Entry = ObjectListingEntry | ContainerListingEntry | SubdirEntry;

function jsonEntry(e: Entry): Record<string, unknown> {
  if ('subdir' in e) return { subdir: e.subdir };
  if ('objectCount' in e) {
    return { name: e.name, count: e.objectCount, bytes: e.bytesUsed, last_modified: isoMicros(e.lastModifiedMs) };
  }
  // A manifest's content type carries its logical size (swift_bytes); clients see it as bytes.
  const { contentType, swiftBytes } = cleanContentType(e.contentType);
  return {
    name: e.name, hash: e.etag, bytes: swiftBytes ?? e.size, content_type: contentType,
    last_modified: isoMicros(e.timestamp ? timestampToMs(e.timestamp) : e.lastModifiedMs),
  };
}

function xmlEntry(e: Entry, kind: 'account' | 'container'): string {
  if ('subdir' in e) return `<subdir name="${xmlEscape(e.subdir)}"><name>${xmlEscape(e.subdir)}</name></subdir>`;
  const fields = Object.entries(jsonEntry(e)).map(([k, v]) => `<${k}>${xmlEscape(String(v))}</${k}>`).join('');
  return kind === 'account' ? `<container>${fields}</container>` : `<object>${fields}</object>`;
}

/**
 * Renders a listing; returns undefined for an empty plain listing (Swift answers 204 then).
 * `kind` is what is listed from: an account (containers) or a container (objects).
 */
export function renderListing(entries: Entry[], format: ListingFormat, kind: 'account' | 'container', name: string): string | undefined {
  if (format === 'json') return JSON.stringify(entries.map(jsonEntry));
  if (format === 'xml') {
    return `<?xml version="1.0" encoding="UTF-8"?>\n<${kind} name="${xmlEscape(name)}">${entries.map((e) => xmlEntry(e, kind)).join('')}</${kind}>`;
  }
  if (entries.length === 0) return undefined;
  return entries.map((e) => `${'subdir' in e ? e.subdir : e.name}\n`).join('');
}
