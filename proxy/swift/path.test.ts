import t from 'tap';
import { parseContainerObject, parseSwiftPath } from './path.js';
import { swiftConstraints } from './constraints.js';
import { isoMicros } from './listing.js';

const limits = swiftConstraints({ maxFileSize: 1 });

t.test('parseSwiftPath() splits and decodes account, container and object', async (t) => {
  t.match(parseSwiftPath('/v1/AUTH_a', limits), { account: 'AUTH_a', container: undefined, object: undefined });
  t.match(parseSwiftPath('/v1/AUTH_a/', limits), { account: 'AUTH_a', container: undefined });
  t.match(parseSwiftPath('/v1/AUTH_a/c/', limits), { account: 'AUTH_a', container: 'c', object: undefined });
  t.match(parseSwiftPath('/v1/AUTH_a/c/dir/o%20x%3F?format=json', limits), { container: 'c', object: 'dir/o x?' });
  t.equal(parseSwiftPath('/v1/AUTH_a/c/o?prefix=a%2Fb', limits).query.get('prefix'), 'a/b');
  t.match(parseSwiftPath('/v1/AUTH_a/c/a//b/', limits), { object: 'a//b/' }, 'object names keep every slash');
});

t.test('parseSwiftPath() refuses malformed paths, bad UTF-8 and long names', async (t) => {
  t.throws(() => parseSwiftPath('/v2/AUTH_a', limits), { code: 'NOT_FOUND' });
  t.throws(() => parseSwiftPath('/v1/AUTH_a//o', limits), { code: 'NOT_FOUND' });
  t.throws(() => parseSwiftPath('/v1/AUTH_a/c/%C3', limits), { message: /Invalid UTF8/ });
  t.throws(() => parseSwiftPath('/v1/AUTH_a/c/%00', limits), { message: /Invalid UTF8/ });
  t.throws(() => parseSwiftPath(`/v1/${'a'.repeat(257)}`, limits), { code: 'INVALID_ARGUMENT' });
  t.throws(() => parseSwiftPath(`/v1/a/${'é'.repeat(129)}`, limits), { code: 'INVALID_ARGUMENT' }, 'limits count UTF-8 bytes');
});

t.test('parseContainerObject() reads copy and segment references', async (t) => {
  t.same(parseContainerObject('/c/o/x', 'X-Copy-From'), { container: 'c', object: 'o/x' });
  t.same(parseContainerObject('c/a%20b', 'Destination'), { container: 'c', object: 'a b' });
  for (const bad of ['c', 'c/', '/o', '%zz/o']) t.throws(() => parseContainerObject(bad, 'Destination'), { message: /must be of the form/ }, bad);
});

t.test('isoMicros() prints Swift\'s last_modified with microseconds', async (t) => {
  t.equal(isoMicros(1_700_000_000_123.45), '2023-11-14T22:13:20.123450');
  t.equal(isoMicros(0), '1970-01-01T00:00:00.000000');
});
