import t from 'tap';
import { Readable } from 'node:stream';
import { S3Error } from './errors.js';
import { parseXml, readSmallBody, renderXml } from './xml.js';

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
