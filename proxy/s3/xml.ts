/**
 * XML for S3: rendering response documents and parsing the few request documents S3 clients
 * send (CompleteMultipartUpload, Delete, CreateBucketConfiguration, ACLs), with fast-xml-parser.
 */
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Readable } from 'node:stream';
import { S3Error } from './errors.js';

export const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** An XML element tree: strings are text, arrays repeat the element, objects nest. */
export type XmlValue = string | number | boolean | undefined | XmlNode | XmlValue[];
export interface XmlNode { [name: string]: XmlValue }

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: false,
  format: false,
  processEntities: true,
});

/** Renders `<root xmlns=S3>…</root>` with an XML declaration. Undefined fields are omitted. */
export function renderXml(root: string, body: XmlNode, namespace: string | null = S3_NAMESPACE): string {
  const node: XmlNode = namespace ? { '@_xmlns': namespace, ...prune(body) } : prune(body);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({ [root]: node }) as string}`;
}

function prune(node: XmlNode): XmlNode {
  const out: XmlNode = {};
  for (const [k, v] of Object.entries(node)) {
    if (v === undefined) continue;
    out[k] = pruneValue(v);
  }
  return out;
}

function pruneValue(v: XmlValue): XmlValue {
  if (Array.isArray(v)) return v.filter((x) => x !== undefined).map(pruneValue);
  if (v !== null && typeof v === 'object') return prune(v);
  return v;
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
