import t from 'tap';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { decodeIoBatch, decodeIoResponseBatch, encodeIoBatch, encodeIoResponseBatch } from './block-io-codec.js';
import type { IoRequestMessage, IoResponseMessage } from './block-proto.js';

const root = protobuf.loadSync(fileURLToPath(new URL('./proto/block.proto', import.meta.url)));
const IoBatch = root.lookupType('strata.block.IoBatch');
const IoResponseBatch = root.lookupType('strata.block.IoResponseBatch');
const ref = (index: number) => ({ device: 'sdb1', layer: 'l-ü1', index });

const requests: IoRequestMessage[] = [
  { id: 1, write: { ref: ref(3), generation: 7, offset: 4096, data: Buffer.from('hello'), zeroLength: 0, fua: true, extentSize: 1 << 20 } },
  { id: 2 ** 40 + 5, read: { ref: ref(1), offset: 0, length: 1 << 20 } },
  { id: 3, flush: { refs: [ref(1), ref(2 ** 31)] } },
  { id: 4, stat: ref(9) },
  { id: 5, write: { ref: ref(4), generation: 0, offset: 0, data: Buffer.alloc(0), zeroLength: 300, fua: false, extentSize: 65536 } },
];

t.test('encodeIoBatch() writes the wire format block.proto declares', async (t) => {
  const decoded = IoBatch.toObject(IoBatch.decode(encodeIoBatch(requests)), { longs: Number, defaults: false }) as { requests: Array<Record<string, unknown>> };
  t.equal(decoded.requests.length, 5);
  t.match(decoded.requests[0], { id: 1, write: { ref: { device: 'sdb1', layer: 'l-ü1', index: 3 }, generation: 7, offset: 4096, fua: true, extentSize: 1 << 20 } });
  t.equal((decoded.requests[0].write as { data: Buffer }).data.toString(), 'hello');
  t.match(decoded.requests[1], { id: 2 ** 40 + 5, read: { ref: { index: 1 }, length: 1 << 20 } });
  t.match(decoded.requests[2], { flush: { refs: [{ index: 1 }, { index: 2 ** 31 }] } });
  t.match(decoded.requests[3], { id: 4, stat: { layer: 'l-ü1', index: 9 } });
  t.match(decoded.requests[4], { write: { zeroLength: 300 } });
});

t.test('decodeIoBatch() reads what protobufjs writes, data as a view', async (t) => {
  const buf = Buffer.from(IoBatch.encode(IoBatch.fromObject({ requests })).finish());
  const back = decodeIoBatch(buf);
  t.same(back.map((m) => m.id), [1, 2 ** 40 + 5, 3, 4, 5]);
  t.same(back[0].write?.ref, ref(3));
  t.equal(back[0].write?.data.toString(), 'hello');
  t.equal(back[0].write?.data.buffer, buf.buffer, 'payload not copied');
  t.same(back[2].flush?.refs, [ref(1), ref(2 ** 31)]);
  t.same(back[3].stat, ref(9));
  t.same(back[4].write?.data.length, 0);
  t.same(decodeIoBatch(encodeIoBatch(requests)).map((m) => m.id), [1, 2 ** 40 + 5, 3, 4, 5], 'round trip');
});

t.test('IoResponseBatch round-trips through both codecs', async (t) => {
  const responses: IoResponseMessage[] = [
    { id: 1, state: { exists: true, generation: 12, zeroed: false }, data: Buffer.alloc(70000, 9), errorCode: '', errorMessage: '' },
    { id: 2, state: null, data: Buffer.alloc(0), errorCode: 'STALE', errorMessage: 'Cannot write extent "x": behind' },
    { id: 3, state: { exists: false, generation: 0, zeroed: false }, data: Buffer.alloc(0), errorCode: '', errorMessage: '' },
  ];
  const viaPb = IoResponseBatch.toObject(IoResponseBatch.decode(encodeIoResponseBatch(responses)), { longs: Number }) as { responses: Array<Record<string, unknown>> };
  t.match(viaPb.responses[0], { id: 1, state: { exists: true, generation: 12 } });
  t.equal((viaPb.responses[0].data as Buffer).length, 70000);
  t.match(viaPb.responses[1], { id: 2, errorCode: 'STALE', errorMessage: 'Cannot write extent "x": behind' });
  const back = decodeIoResponseBatch(Buffer.from(IoResponseBatch.encode(IoResponseBatch.fromObject({ responses })).finish()));
  t.same(back[0].state, { exists: true, generation: 12, zeroed: false });
  t.ok(back[0].data.equals(responses[0].data));
  t.same(back[1], responses[1]);
  t.same(back[2].state, { exists: false, generation: 0, zeroed: false }, 'an empty state message still decodes as a state');
});

t.test('decodeIoBatch() refuses truncated input with INVALID_ARGUMENT', async (t) => {
  const buf = encodeIoBatch(requests);
  t.throws(() => decodeIoBatch(buf.subarray(0, buf.length - 3)), { code: 'INVALID_ARGUMENT' });
  t.throws(() => decodeIoResponseBatch(Buffer.from([0x0a, 0xff])), { code: 'INVALID_ARGUMENT' });
  t.same(decodeIoBatch(Buffer.alloc(0)), [], 'an empty batch is empty');
});
