import t, { type Test } from 'tap';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { silentLogger, StoreError } from '../../common/index.js';
import * as C from './nbd-constants.js';
import type { NbdExport, NbdExportProvider } from './nbd-export.js';
import { startNbdServer } from './nbd-server.js';

/** An in-memory export for protocol tests. */
function memoryProvider(size: number): NbdExportProvider & { data: Buffer; flushes: number } {
  const data = Buffer.alloc(size);
  const p = {
    data,
    flushes: 0,
    list: async () => [{ name: 'mem', description: 'memory' }],
    open: async (name: string): Promise<NbdExport> => {
      if (name !== 'mem') throw new StoreError('NOT_FOUND', `Cannot find volume "${name}"`);
      return {
        name, description: 'memory', readOnly: false, size: () => size,
        read: async (o, l) => [{ at: 0, length: l, data: Buffer.from(data.subarray(o, o + l)) }],
        write: async (o, d) => void d.copy(data, o),
        flush: async () => void p.flushes++,
        zero: async (o, l) => void data.fill(0, o, o + l),
        blockStatus: (_o, l) => [{ length: l, flags: 0 }],
        release: async () => undefined,
      };
    },
  };
  return p;
}

/** A raw NBD client: buffered reads of exact sizes. */
class Raw {
  private buf: Buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  closed = false;
  constructor(readonly s: Socket) {
    s.on('data', (b: Buffer) => {
      this.buf = Buffer.concat([this.buf, b]);
      this.waiters.splice(0).forEach((w) => w());
    });
    s.on('close', () => {
      this.closed = true;
      this.waiters.splice(0).forEach((w) => w());
    });
  }
  async read(n: number): Promise<Buffer> {
    const deadline = Date.now() + 5_000;
    while (this.buf.length < n) {
      if (this.closed || Date.now() > deadline) throw new Error('closed');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }
  option(opt: number, data: Buffer = Buffer.alloc(0)): void {
    const h = Buffer.alloc(16);
    h.writeBigUInt64BE(C.IHAVEOPT, 0);
    h.writeUInt32BE(opt, 8);
    h.writeUInt32BE(data.length, 12);
    this.s.write(Buffer.concat([h, data]));
  }
  async reply(): Promise<{ opt: number; type: number; data: Buffer }> {
    const h = await this.read(20);
    return { opt: h.readUInt32BE(8), type: h.readUInt32BE(12), data: await this.read(h.readUInt32BE(16)) };
  }
  request(type: number, offset: number, length: number, cookie: number, flags = 0, payload?: Buffer): void {
    const h = Buffer.alloc(28);
    h.writeUInt32BE(C.REQUEST_MAGIC, 0);
    h.writeUInt16BE(flags, 4);
    h.writeUInt16BE(type, 6);
    h.writeBigUInt64BE(BigInt(cookie), 8);
    h.writeBigUInt64BE(BigInt(offset), 16);
    h.writeUInt32BE(length, 24);
    this.s.write(payload ? Buffer.concat([h, payload]) : h);
  }
  async simpleReply(dataLength = 0): Promise<{ errno: number; cookie: number; data: Buffer }> {
    const h = await this.read(16);
    if (h.readUInt32BE(0) !== C.SIMPLE_REPLY_MAGIC) throw new Error('not a simple reply');
    const errno = h.readUInt32BE(4);
    return { errno, cookie: Number(h.readBigUInt64BE(8)), data: errno === 0 ? await this.read(dataLength) : Buffer.alloc(0) };
  }
}

async function handshake(t: Tap, port: number): Promise<Raw> {
  const s = connect(port, '127.0.0.1');
  await once(s, 'connect');
  t.teardown(() => s.destroy());
  const raw = new Raw(s);
  const g = await raw.read(18);
  t.equal(g.readBigUInt64BE(0), C.NBDMAGIC);
  t.equal(g.readUInt16BE(16) & C.FLAG_FIXED_NEWSTYLE, C.FLAG_FIXED_NEWSTYLE);
  const f = Buffer.alloc(4);
  f.writeUInt32BE(C.FLAG_C_FIXED_NEWSTYLE | C.FLAG_C_NO_ZEROES, 0);
  s.write(f);
  return raw;
}
type Tap = Test;

function goData(name: string): Buffer {
  const b = Buffer.alloc(4 + name.length + 2);
  b.writeUInt32BE(name.length, 0);
  b.write(name, 4);
  b.writeUInt16BE(0, 4 + name.length);
  return b;
}

async function setup(t: Tap) {
  const provider = memoryProvider(1024 * 1024);
  const server = await startNbdServer({ provider, host: '127.0.0.1', port: 0, log: silentLogger() });
  t.teardown(() => server.close());
  return { provider, port: server.port };
}

t.test('NbdServer answers unknown options, unknown exports and bad GO data with NBD_REP_ERR_*', async (t) => {
  const { port } = await setup(t);
  const raw = await handshake(t, port);
  raw.option(99);
  t.equal((await raw.reply()).type, C.REP_ERR_UNSUP);
  raw.option(C.OPT_GO, goData('nope'));
  const unknown = await raw.reply();
  t.equal(unknown.type, C.REP_ERR_UNKNOWN);
  t.match(unknown.data.toString(), /Cannot find volume "nope"/);
  raw.option(C.OPT_GO, Buffer.from([0, 0, 0, 50, 1]));
  t.equal((await raw.reply()).type, C.REP_ERR_INVALID);
  raw.option(C.OPT_LIST);
  const server = await raw.reply();
  t.equal(server.type, C.REP_SERVER);
  t.equal(server.data.toString('utf8', 4, 7), 'mem');
  t.equal((await raw.reply()).type, C.REP_ACK);
  raw.option(C.OPT_STARTTLS);
  t.equal((await raw.reply()).type, C.REP_ERR_POLICY, 'no TLS configured');
  raw.option(C.OPT_ABORT);
  t.equal((await raw.reply()).type, C.REP_ACK);
});

t.test('NbdServer answers bad requests with errnos and keeps serving', async (t) => {
  const { port, provider } = await setup(t);
  const raw = await handshake(t, port);
  raw.option(C.OPT_GO, goData('mem'));
  for (let r = await raw.reply(); r.type !== C.REP_ACK; r = await raw.reply()) t.equal(r.type, C.REP_INFO);
  raw.request(C.CMD_WRITE, 4096, 4, 1, C.CMD_FLAG_FUA, Buffer.from('abcd'));
  t.same(await raw.simpleReply(), { errno: 0, cookie: 1, data: Buffer.alloc(0) });
  raw.request(C.CMD_READ, 4096, 4, 2);
  t.equal((await raw.simpleReply(4)).data.toString(), 'abcd');
  raw.request(C.CMD_READ, 1024 * 1024 - 2, 4, 3);
  t.equal((await raw.simpleReply()).errno, C.NBD_EINVAL, 'read past the end');
  raw.request(C.CMD_WRITE, 1024 * 1024 - 2, 4, 4, 0, Buffer.from('wxyz'));
  t.equal((await raw.simpleReply()).errno, C.NBD_ENOSPC, 'write past the end');
  raw.request(42, 0, 0, 5);
  t.equal((await raw.simpleReply()).errno, C.NBD_EINVAL, 'unknown command');
  raw.request(C.CMD_READ, 0, 64 * 1024 * 1024, 6);
  t.equal((await raw.simpleReply()).errno, C.NBD_EINVAL, 'oversized read');
  raw.request(C.CMD_BLOCK_STATUS, 0, 4096, 7);
  t.equal((await raw.simpleReply()).errno, C.NBD_EINVAL, 'block status without a meta context');
  raw.request(C.CMD_FLUSH, 0, 0, 8);
  t.equal((await raw.simpleReply()).errno, 0);
  t.equal(provider.flushes, 1);
  raw.request(C.CMD_DISC, 0, 0, 9);
  await raw.read(1).catch(() => undefined);
  t.ok(raw.closed, 'DISC closes the connection');
});

t.test('NbdServer closes on a bad request magic without crashing', async (t) => {
  const { port } = await setup(t);
  const raw = await handshake(t, port);
  raw.option(C.OPT_GO, goData('mem'));
  for (let r = await raw.reply(); r.type !== C.REP_ACK; r = await raw.reply());
  raw.s.write(Buffer.alloc(28, 0xff));
  await raw.read(1).catch(() => undefined);
  t.ok(raw.closed);
  const again = await handshake(t, port);
  again.option(C.OPT_ABORT);
  t.equal((await again.reply()).type, C.REP_ACK, 'server still serves');
});
