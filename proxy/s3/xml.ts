/**
 * XML for S3: rendering response documents and parsing the few request documents S3 clients
 * send (CompleteMultipartUpload, Delete, CreateBucketConfiguration, ACLs): rendering by hand
 * (renderXml), parsing with fast-xml-parser.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Readable } from 'node:stream';
import { S3Error } from './errors.js';

export const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** An XML element tree: strings are text, arrays repeat the element, objects nest. */
export type XmlValue = string | number | boolean | undefined | XmlNode | XmlValue[];
export interface XmlNode { [name: string]: XmlValue }

/**
 * Renders `<root xmlns=S3>…</root>` with an XML declaration. Undefined fields are omitted;
 * keys starting with "@_" are attributes, "#text" is text content, arrays repeat the element,
 * an empty value is `<A></A>`. Hand-written rather than fast-xml-parser's builder: a listing
 * page of 1,000 keys spent most of its proxy CPU there (per-tag path matching and name checks).
 */
export function renderXml(root: string, body: XmlNode, namespace: string | null = S3_NAMESPACE): string {
  const node: XmlNode = namespace ? { '@_xmlns': namespace, ...body } : body;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${element(root, node)}`;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', "'": '&apos;', '"': '&quot;' };

function escapeXml(v: string): string {
  return /[&<>'"]/.test(v) ? v.replace(/[&<>'"]/g, (c) => ESCAPES[c] as string) : v;
}

function textOf(v: string | number | boolean): string {
  return typeof v === 'number' && Object.is(v, -0) ? '-0' : String(v);
}

function element(name: string, v: XmlValue): string {
  if (v === undefined) return '';
  if (Array.isArray(v)) return v.map((x) => element(name, x)).join('');
  if (v === null) return `<${name}/>`;
  if (typeof v !== 'object') return `<${name}>${escapeXml(textOf(v))}</${name}>`;
  let attrs = '';
  let inner = '';
  for (const key of Object.keys(v)) {
    const child = v[key];
    if (child === undefined) continue;
    if (key.startsWith('@_')) {
      const value = escapeXml(textOf(child as string));
      // As fast-xml-parser did: a "true" attribute is written as a bare name.
      attrs += value === 'true' ? ` ${key.slice(2)}` : ` ${key.slice(2)}="${value}"`;
    } else if (key === '#text') {
      inner += escapeXml(textOf(child as string));
    } else {
      inner += element(key, child);
    }
  }
  return `<${name}${attrs}>${inner}</${name}>`;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  removeNSPrefix: true,
  trimValues: true,
  processEntities: true,
  isArray: (name) => ['Part', 'Object', 'Grant', 'CORSRule', 'Rule', 'Tag'].includes(name),
});

/**
 * Parses a request document and returns its root element's content.
 * @throws S3Error MalformedXML when the text is not well-formed or the root is not `root`
 */
export function parseXml(text: string, root: string): Record<string, unknown> {
  if (text.trim() === '' || XMLValidator.validate(text) !== true) throw new S3Error('MalformedXML');
  const doc = parser.parse(text) as Record<string, unknown>;
  const content = doc[root];
  if (content === undefined) throw new S3Error('MalformedXML');
  if (content === '') return {};
  if (typeof content !== 'object' || content === null) throw new S3Error('MalformedXML');
  return content as Record<string, unknown>;
}

/**
 * Reads a small request body (an XML document) with a size cap, so that a huge body cannot
 * exhaust memory.
 * @throws S3Error MalformedXML (too large; S3 answers that for oversized documents too)
 */
export async function readSmallBody(body: Readable, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    total += buf.length;
    if (total > maxBytes) {
      body.destroy();
      throw new S3Error('MalformedXML', `The XML document is larger than ${maxBytes} bytes`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** ISO 8601 with milliseconds, as S3 writes dates in XML ("2009-10-12T17:50:30.000Z"). */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString();
}
