import t from 'tap';
import { encodeChunk, passEncoded } from './put-object-stream.js';
import { objectServiceDefinition } from './storage-proto.js';
import type { PutObjectRequestMsg } from './storage-messages.js';

const def = objectServiceDefinition.PutObject as unknown as {
  requestSerialize(m: PutObjectRequestMsg): Buffer;
  requestDeserialize(b: Buffer): PutObjectRequestMsg;
};

t.test('encodeChunk() produces the bytes protobuf decodes as one chunk message', async (t) => {
  // Lengths around the varint boundaries of the length prefix (1, 2 and 3 bytes).
  for (const size of [0, 1, 127, 128, 16_383, 16_384, 300_000]) {
    const body = Buffer.alloc(size);
    for (let i = 0; i < size; i++) body[i] = (i * 31) & 0xff;
    const parts = size > 2 ? [body.subarray(0, 1), body.subarray(1, size >> 1), body.subarray(size >> 1)] : [body];
    const encoded = encodeChunk(parts, size);
    const msg = def.requestDeserialize(encoded);
    t.equal(msg.part, 'chunk', `size ${size}: the chunk case`);
    t.ok(Buffer.from((msg as { chunk: Uint8Array }).chunk).equals(body), `size ${size}: the same bytes`);
    if (size > 0) t.ok(encoded.equals(def.requestSerialize({ part: 'chunk', chunk: body })), `size ${size}: identical to protobufjs`);
  }
});

t.test('encodeChunk() refuses parts that do not add up to the announced length', async (t) => {
  t.throws(() => encodeChunk([Buffer.alloc(3)], 4), { code: 'INTERNAL' });
  t.throws(() => encodeChunk([Buffer.alloc(5)], 4));
});

t.test('passEncoded() passes Buffers through and serialises messages', async (t) => {
  const serialize = passEncoded(def.requestSerialize);
  const encoded = encodeChunk([Buffer.from('abc')], 3);
  t.equal(serialize(encoded), encoded, 'the very same buffer, not a copy');
  const trailer: PutObjectRequestMsg = { part: 'trailer', trailer: { timestamp: '1700000000.00001', expectedEtag: '' } };
  t.same(def.requestDeserialize(serialize(trailer)), def.requestDeserialize(def.requestSerialize(trailer)));
});
