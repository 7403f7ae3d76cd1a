import t from 'tap';
import { startBlockStack, client, nbdsh, type BlockStack } from './block-harness.js';

const MiB = 1024 * 1024;
let stack: BlockStack;

t.before(async () => {
  stack = await startBlockStack();
  await stack.manager.create('disk1', 64 * MiB);
});
t.teardown(() => stack.close());

t.test('nbdinfo lists the exports and reports size and block sizes', async (t) => {
  const list = await client('nbdinfo', ['--list', '--json', `nbd://127.0.0.1:${stack.gateway.port}`]);
  const parsed = JSON.parse(list) as { exports: Array<{ 'export-name': string; 'export-size': number; 'block_size_preferred': number }> };
  const e = parsed.exports.find((x) => x['export-name'] === 'disk1');
  t.ok(e, 'disk1 listed');
  t.equal(e?.['export-size'], 64 * MiB);
  t.equal(e?.['block_size_preferred'], 4096);
});

t.test('qemu-io writes patterns and reads them back', async (t) => {
  await client('qemu-io', ['-f', 'raw', '-c', 'write -P 0xab 1M 64k', '-c', 'write -P 0xcd 63M 1M', stack.uri('disk1')]);
  const out = await client('qemu-io', ['-f', 'raw', '-c', 'read -P 0xab 1M 64k', '-c', 'read -P 0xcd 63M 1M', '-c', 'read -P 0 0 64k', stack.uri('disk1')]);
  t.notMatch(out, /Pattern verification failed/);
  t.match(out, /read 65536\/65536 bytes/);
});

t.test('nbdinfo --map shows the allocation of a sparse volume', async (t) => {
  const out = await client('nbdinfo', ['--map', '--json', stack.uri('disk1')]);
  const map = JSON.parse(out) as Array<{ offset: number; length: number; type: number }>;
  const data = map.filter((m) => (m.type & 1) === 0);
  t.same(data.map((m) => [m.offset, m.length]), [[MiB, MiB], [63 * MiB, MiB]], 'only written extents are data');
});

t.test('nbdsh exercises structured replies, block status, trim, write_zeroes, FUA and bad requests', async (t) => {
  const out = await nbdsh(stack.uri('disk1'), `
import errno
assert h.get_structured_replies_negotiated()
assert h.can_meta_context(nbd.CONTEXT_BASE_ALLOCATION)
assert h.can_fua() and h.can_trim() and h.can_zero() and h.can_fast_zero() and h.can_multi_conn() and h.can_flush()
h.pwrite(b"x" * 4096, 8 * 1048576, nbd.CMD_FLAG_FUA)
assert h.pread(4096, 8 * 1048576) == b"x" * 4096
h.zero(1048576, 8 * 1048576)
assert h.pread(16, 8 * 1048576) == bytes(16)
h.pwrite(b"y" * 1048576, 9 * 1048576)
h.trim(1048576, 9 * 1048576)
h.flush()
h.zero(100, 10 * 1048576 + 7, nbd.CMD_FLAG_FAST_ZERO)
h.pwrite(b"z" * 4096, 12 * 1048576)
try:
    h.zero(100, 12 * 1048576 + 7, nbd.CMD_FLAG_FAST_ZERO)
    raise Exception("fast zero should fail")
except nbd.Error as e:
    assert e.errnum == errno.ENOTSUP, e
try:
    h.pread(4096, 64 * 1048576)
    raise Exception("read past end should fail")
except nbd.Error as e:
    assert e.errnum == errno.EINVAL, e
entries = []
def cb(metacontext, offset, e, err):
    entries.extend(e)
h.block_status(16 * 1048576, 0, cb)
assert entries[1] == 3, entries
entries.clear()
h.block_status(1048576, 12 * 1048576, cb)
assert entries == [1048576, 0], entries
print("ok")
`);
  t.match(out, /ok/);
});

t.test('nbdsh multi-conn: a flush on one connection covers writes of another', async (t) => {
  const out = await nbdsh(stack.uri('disk1'), `
h2 = nbd.NBD()
h2.connect_uri(h.get_uri())
h2.pwrite(b"m" * 512, 20 * 1048576)
h.flush()
assert h.pread(512, 20 * 1048576) == b"m" * 512
h2.shutdown()
print("ok")
`);
  t.match(out, /ok/);
});

t.test('an unknown export is refused with a clear error', async (t) => {
  await t.rejects(client('nbdinfo', [stack.uri('nope')]), /nope|unknown|not available|Cannot find/i);
});
