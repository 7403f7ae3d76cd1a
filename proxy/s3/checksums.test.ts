import t from 'tap';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ChecksumVerifier, Sha256Verifier, createChecksumHasher, parseChecksumAlgorithm, type ChecksumAlgorithm } from './checksums.js';
import { S3Error } from './errors.js';

const CHECK = Buffer.from('123456789');
// The catalogue "check" values of each CRC over "123456789", as big-endian base64.
const EXPECTED: Record<ChecksumAlgorithm, string> = {
  CRC32: Buffer.from('cbf43926', 'hex').toString('base64'),
  CRC32C: Buffer.from('e3069283', 'hex').toString('base64'),
  CRC64NVME: Buffer.from('ae8b14860a799888', 'hex').toString('base64'),
  SHA1: '98O8HYCOBHMq32eZZczDTKeuNEE=',
  SHA256: 'FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU=',
};

t.test('createChecksumHasher() matches the catalogue check values, fed in pieces', async (t) => {
  for (const [alg, value] of Object.entries(EXPECTED) as Array<[ChecksumAlgorithm, string]>) {
    const h = createChecksumHasher(alg);
    h.update(CHECK.subarray(0, 4));
    h.update(CHECK.subarray(4));
    t.equal(await h.digestBase64(), value, alg);
  }
});

t.test('parseChecksumAlgorithm() accepts any case and rejects unknown names', async (t) => {
  t.equal(parseChecksumAlgorithm('crc64nvme'), 'CRC64NVME');
  t.throws(() => parseChecksumAlgorithm('md4'), S3Error);
});

async function run(v: ChecksumVerifier | Sha256Verifier, data: Buffer): Promise<unknown> {
  const out: Buffer[] = [];
  try {
    await pipeline(Readable.from([data]), v, async (src: AsyncIterable<Buffer>) => { for await (const c of src) out.push(c); });
  } catch (err) {
    return err;
  }
  return Buffer.concat(out);
}

t.test('ChecksumVerifier passes data through and fails with BadDigest on a mismatch', async (t) => {
  t.same(await run(new ChecksumVerifier('CRC32', () => EXPECTED.CRC32), CHECK), CHECK);
  const err = await run(new ChecksumVerifier('CRC32', () => EXPECTED.CRC32C), CHECK);
  t.ok(err instanceof S3Error && err.s3Code === 'BadDigest');
  const missing = await run(new ChecksumVerifier('SHA1', () => undefined), CHECK);
  t.ok(missing instanceof S3Error && missing.s3Code === 'InvalidRequest', 'a declared trailer that never came');
});

t.test('Sha256Verifier rejects a body that does not match x-amz-content-sha256', async (t) => {
  const good = Buffer.from(EXPECTED.SHA256, 'base64').toString('hex');
  t.same(await run(new Sha256Verifier(good), CHECK), CHECK);
  const err = await run(new Sha256Verifier(good), Buffer.from('12345678X'));
  t.ok(err instanceof S3Error && err.s3Code === 'XAmzContentSHA256Mismatch');
});
