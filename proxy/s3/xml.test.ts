import t from 'tap';
import { Readable } from 'node:stream';
import { S3Error } from './errors.js';
import { parseXml, readSmallBody, renderXml, S3_NAMESPACE, type XmlNode } from './xml.js';

t.test('renderXml() escapes text, repeats arrays, omits undefined fields', async (t) => {
  const xml = renderXml('ListBucketResult', { Name: 'b', Marker: undefined, Contents: [{ Key: 'a<&>"b' }, { Key: 'c' }], IsTruncated: false });
  t.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<ListBucketResult xmlns="http:\/\/s3.amazonaws.com\/doc\/2006-03-01\/">/);
  t.match(xml, /<Key>a&lt;&amp;&gt;&quot;b<\/Key><\/Contents><Contents><Key>c<\/Key>/);
  t.notMatch(xml, /Marker/);
  t.match(xml, /<IsTruncated>false<\/IsTruncated>/);
  t.notMatch(renderXml('Error', { Code: 'X' }, null), /xmlns/);
});

t.test('parseXml() returns the root content and keeps values as strings', async (t) => {
  const doc = parseXml('<?xml version="1.0"?><CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Part><PartNumber>01</PartNumber><ETag>"e"</ETag></Part></CompleteMultipartUpload>', 'CompleteMultipartUpload');
  t.same(doc.Part, [{ PartNumber: '01', ETag: '"e"' }]);
  t.same(parseXml('<Delete></Delete>', 'Delete'), {});
});

t.test('parseXml() rejects malformed documents and the wrong root with MalformedXML', async (t) => {
  for (const bad of ['', '<Delete>', '<Delete><Object></Delete>', 'not xml', '<Other/>']) {
    t.throws(() => parseXml(bad, 'Delete'), S3Error, JSON.stringify(bad));
  }
});

t.test('readSmallBody() stops reading past its limit', async (t) => {
  t.equal(await readSmallBody(Readable.from([Buffer.from('ab'), Buffer.from('c')]), 10), 'abc');
  const big = Readable.from((function* () { for (let i = 0; i < 1000; i++) yield Buffer.alloc(1024); })());
  await t.rejects(readSmallBody(big, 4096), S3Error);
  t.ok(big.destroyed);
});

t.test('renderXml() writes what fast-xml-parser\'s builder wrote for the same documents', async (t) => {
  const { XMLBuilder } = await import('fast-xml-parser');
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false, format: false, processEntities: true });
  const docs: Array<[string, XmlNode]> = [
    ['ListBucketResult', {
      Name: 'b', Prefix: '', Marker: 'a&b<c>"d\'', MaxKeys: 1000, IsTruncated: false, Delimiter: undefined,
      Contents: [
        { Key: 'x & y', LastModified: '2026-11-22T01:00:00.000Z', ETag: '"abc"', Size: 0, Owner: { ID: 'o', DisplayName: 'o' }, StorageClass: 'STANDARD' },
        { Key: 'ü/ä', Size: 12, Owner: undefined },
      ],
      CommonPrefixes: [{ Prefix: 'p/' }], Empty: [], Blank: '', Nothing: {},
    }],
    ['LocationConstraint', { '#text': 'eu-west-1' }],
    ['AccessControlPolicy', {
      Owner: { ID: 'i', DisplayName: 'd' },
      AccessControlList: { Grant: [{ Grantee: { '@_xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance', '@_xsi:type': 'Group', URI: 'http://x?a=1&b=2' }, Permission: 'READ' }] },
    }],
    ['Error', { Code: 'NoSuchKey', Message: 'The <key> "k"', Resource: '/b/k', RequestId: 'tx1', Flag: true, Neg: -0 }],
  ];
  for (const [root, body] of docs) {
    const prune = (v: unknown): unknown => Array.isArray(v) ? v.filter((x) => x !== undefined).map(prune)
      : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, prune(x)])) : v;
    const expected = `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({ [root]: { '@_xmlns': S3_NAMESPACE, ...(prune(body) as object) } }) as string}`;
    t.equal(renderXml(root, body), expected, root);
  }
  t.equal(renderXml('R', { A: 'x' }, null), '<?xml version="1.0" encoding="UTF-8"?>\n<R><A>x</A></R>', 'no namespace');
});
