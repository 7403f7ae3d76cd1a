import t from 'tap';
import { ERROR_CODES, StoreError } from '../../common/index.js';
import { S3Error, mapNotFound, toS3Error } from './errors.js';

t.test('toS3Error() maps every ErrorCode to an S3 code with a status', async (t) => {
  for (const code of ERROR_CODES) {
    const e = toS3Error(new StoreError(code, `Cannot do "x": ${code}`));
    t.ok(e.status >= 400 && e.status < 600, code);
    t.match(e.s3Code, /^[A-Z][A-Za-z]+$/);
  }
  t.equal(toS3Error(new StoreError('NOT_FOUND', 'x')).s3Code, 'NoSuchKey');
  t.equal(toS3Error(new StoreError('RANGE_NOT_SATISFIABLE', 'x')).status, 416);
  t.equal(toS3Error(new StoreError('QUORUM_NOT_MET', 'x')).status, 503);
});

t.test('toS3Error() hides details of server errors and of unknown throws', async (t) => {
  const e = toS3Error(new StoreError('INTERNAL', 'secret path /srv/node/sdb1'));
  t.equal(e.status, 500);
  t.notMatch(e.message, /sdb1/);
  t.equal(toS3Error(new TypeError('boom')).s3Code, 'InternalError');
  t.equal(toS3Error(new StoreError('INVALID_ARGUMENT', 'Cannot parse "q"')).message, 'Cannot parse "q"');
});

t.test('mapNotFound() turns NOT_FOUND into the given code and passes others through', async (t) => {
  const e = await mapNotFound(async () => { throw new StoreError('NOT_FOUND', 'x'); }, 'NoSuchUpload').catch((err: unknown) => err);
  t.ok(e instanceof S3Error && e.s3Code === 'NoSuchUpload' && e.status === 404);
  await t.rejects(mapNotFound(async () => { throw new StoreError('CONFLICT', 'x'); }, 'NoSuchUpload'), StoreError);
  t.equal(await mapNotFound(async () => 5, 'NoSuchKey'), 5);
  t.equal(new S3Error('RequestTimeTooSkewed').status, 403);
});
