import t from 'tap';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { MemoryObjectCluster } from '../testing/memory-cluster.js';
import { combinedEtag, readSegments, totalSize, type SegmentRef } from './segment-reader.js';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
const text = async (r: Readable): Promise<string> => {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts).toString();
};

async function setup(): Promise<{ cluster: MemoryObjectCluster; segs: SegmentRef[] }> {
  const cluster = new MemoryObjectCluster();
  await cluster.putContainer({ account: 'A', container: 's' }, {});
  const data = ['0123', '4567', '89'];
  const segs: SegmentRef[] = [];
  for (const [i, d] of data.entries()) {
    await cluster.putObject({ account: 'A', container: 's', object: `p${i}`, body: Readable.from([Buffer.from(d)]), contentType: 'x', metadata: {} });
    segs.push({ container: 's', object: `p${i}`, size: d.length, etag: md5(d) });
  }
  return { cluster, segs };
}

t.test('readSegments() streams the concatenation and any range of it', async (t) => {
  const { cluster, segs } = await setup();
  t.equal(totalSize(segs), 10);
  t.equal(combinedEtag(segs), md5(md5('0123') + md5('4567') + md5('89')));
  t.equal(await text(readSegments(cluster, 'A', segs)), '0123456789');
  t.equal(await text(readSegments(cluster, 'A', segs, { range: { start: 3, end: 8 } })), '345678');
  t.equal(await text(readSegments(cluster, 'A', segs, { range: { start: 4, end: 7 } })), '4567');
  t.equal(await text(readSegments(cluster, 'A', segs, { range: { start: 9, end: 9 } })), '9');
  const sub: SegmentRef[] = [{ container: 's', object: 'p1', size: 2, range: { start: 1, end: 2 } }, segs[2]!];
  t.equal(await text(readSegments(cluster, 'A', sub)), '5689');
});

t.test('readSegments() fails with CONFLICT on a changed, missing or short segment', async (t) => {
  const { cluster, segs } = await setup();
  await t.rejects(text(readSegments(cluster, 'A', [{ ...segs[0]!, etag: md5('other') }])), { code: 'CONFLICT' });
  await t.rejects(text(readSegments(cluster, 'A', [{ container: 's', object: 'gone', size: 3 }])), { code: 'CONFLICT' });
  await t.rejects(text(readSegments(cluster, 'A', [{ ...segs[2]!, size: 5 }])), { code: 'CONFLICT' });
});
