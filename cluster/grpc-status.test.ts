import t from 'tap';
import { Metadata, status } from '@grpc/grpc-js';
import { ERROR_CODES, StoreError } from '../common/index.js';
import { toServiceError, fromServiceError, GRPC_STATUS_OF } from './grpc-status.js';
import { ERROR_CODE_METADATA_KEY } from './storage-proto.js';

t.test('toServiceError() and fromServiceError() round-trip every ErrorCode', async (t) => {
  for (const code of ERROR_CODES) {
    const wire = toServiceError(new StoreError(code, `Cannot do "x": ${code}`));
    t.equal(wire.code, GRPC_STATUS_OF[code], `${code} status`);
    const back = fromServiceError(wire);
    t.equal(back.code, code, `${code} comes back`);
    t.match(back.message, code);
  }
});

t.test('toServiceError() hides the message of a non-StoreError', async (t) => {
  const wire = toServiceError(new TypeError('secret internals at /srv/x'));
  t.equal(wire.code, status.INTERNAL);
  t.notMatch(wire.details ?? '', /secret/);
  t.equal(fromServiceError(wire).code, 'INTERNAL');
});

t.test('fromServiceError() maps by metadata code, never by message', async (t) => {
  const md = new Metadata();
  md.set(ERROR_CODE_METADATA_KEY, 'NO_SPACE');
  const err = Object.assign(new Error('NOT_FOUND everywhere'), { code: status.INTERNAL, details: 'NOT_FOUND', metadata: md });
  t.equal(fromServiceError(err).code, 'NO_SPACE');
});

t.test('fromServiceError() maps transport failures without a code', async (t) => {
  const bare = (code: status) => Object.assign(new Error('x'), { code, details: 'x', metadata: new Metadata() });
  t.equal(fromServiceError(bare(status.UNAVAILABLE)).code, 'UNAVAILABLE');
  t.equal(fromServiceError(bare(status.DEADLINE_EXCEEDED)).code, 'TIMEOUT');
  t.equal(fromServiceError(bare(status.CANCELLED)).code, 'UNAVAILABLE');
  t.equal(fromServiceError(bare(status.UNIMPLEMENTED)).code, 'NOT_IMPLEMENTED');
  t.equal(fromServiceError(bare(status.DATA_LOSS)).code, 'INTERNAL');
  const unknownCode = new Metadata();
  unknownCode.set(ERROR_CODE_METADATA_KEY, 'BOGUS');
  t.equal(fromServiceError(Object.assign(new Error('x'), { code: status.UNAVAILABLE, details: 'x', metadata: unknownCode })).code, 'UNAVAILABLE');
  t.equal(fromServiceError(new Error('plain')).code, 'INTERNAL');
  t.equal(fromServiceError('a string', 'Cannot HEAD "a"').message, 'Cannot HEAD "a": a string');
});

t.test('fromServiceError() shortens grpc-js connection messages', async (t) => {
  const err = Object.assign(new Error('x'), {
    code: status.UNAVAILABLE, metadata: new Metadata(),
    details: 'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1. Resolution note: ',
  });
  t.equal(fromServiceError(err, 'Cannot HEAD "o"').message, 'Cannot HEAD "o": unreachable: connect ECONNREFUSED 127.0.0.1:1.');
});
