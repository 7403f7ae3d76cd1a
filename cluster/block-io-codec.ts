/**
 * Hand-written protobuf codec for the messages of the extent Io stream (IoBatch and
 * IoResponseBatch in proto/block.proto). The wire format is exactly what the .proto says, so any
 * protobuf implementation can speak it; it exists because the generic path (protobufjs plus
 * proto-loader's object conversion) copied every payload once more and built several objects per
 * message, which on the hot path of block I/O cost more CPU than the storage work itself.
 * Decoded `data` fields are views into the received buffer, never copies.
 */
import { StoreError } from '../common/index.js';
import type {
  ExtentRef, ExtentState, IoRequestMessage, IoResponseMessage, ExtentWriteRequest, ExtentReadRequest,
} from './block-io-messages.js';

const VARINT = 0;
const FIXED64 = 1;
const BYTES = 2;
const FIXED32 = 5;

function varintSize(n: number): number {
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** Size of a length-delimited field (tag + length + body). */
function lenField(body: number): number {
  return 1 + varintSize(body) + body;
}

/** Size of a varint field, 0 when the value is the proto3 default. */
function numField(n: number): number {
  return n === 0 ? 0 : 1 + varintSize(n);
}

class Writer {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  varint(n: number): void {
    while (n >= 128) {
      this.buf[this.pos++] = (n % 128) | 128;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
  }

  tag(field: number, wire: number): void {
    this.buf[this.pos++] = (field << 3) | wire;
  }

  num(field: number, n: number): void {
    if (n === 0) return;
    this.tag(field, VARINT);
    this.varint(n);
  }

  bytes(field: number, b: Buffer): void {
    this.tag(field, BYTES);
    this.varint(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }

  str(field: number, s: string, byteLength: number): void {
    this.tag(field, BYTES);
    this.varint(byteLength);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  open(field: number, body: number): void {
    this.tag(field, BYTES);
    this.varint(body);
  }
}

function refBody(r: ExtentRef): number {
  return lenField(Buffer.byteLength(r.device)) + lenField(Buffer.byteLength(r.layer)) + numField(r.index);
}

function writeRef(w: Writer, field: number, r: ExtentRef): void {
  w.open(field, refBody(r));
  w.str(1, r.device, Buffer.byteLength(r.device));
  w.str(2, r.layer, Buffer.byteLength(r.layer));
  w.num(3, r.index);
}

function writeBody(q: ExtentWriteRequest): number {
  return lenField(refBody(q.ref)) + numField(q.generation) + numField(q.offset) + (q.data.length > 0 ? lenField(q.data.length) : 0)
    + numField(q.zeroLength) + (q.fua ? 2 : 0) + numField(q.extentSize);
}

function readBody(q: ExtentReadRequest): number {
  return lenField(refBody(q.ref)) + numField(q.offset) + numField(q.length);
}

function flushBody(refs: ExtentRef[]): number {
  return refs.reduce((n, r) => n + lenField(refBody(r)), 0);
}

function requestBody(m: IoRequestMessage): number {
  let n = numField(m.id);
  if (m.write) n += lenField(writeBody(m.write));
  if (m.read) n += lenField(readBody(m.read));
  if (m.flush) n += lenField(flushBody(m.flush.refs));
  if (m.stat) n += lenField(refBody(m.stat));
  return n;
}

/** Encodes an IoBatch. */
export function encodeIoBatch(requests: readonly IoRequestMessage[]): Buffer {
  const bodies = requests.map(requestBody);
  const w = new Writer(Buffer.allocUnsafe(bodies.reduce((n, b) => n + lenField(b), 0)));
  requests.forEach((m, i) => {
    w.open(1, bodies[i]);
    w.num(1, m.id);
    if (m.write) {
      const q = m.write;
      w.open(2, writeBody(q));
      writeRef(w, 1, q.ref);
      w.num(2, q.generation);
      w.num(3, q.offset);
      if (q.data.length > 0) w.bytes(4, q.data);
      w.num(5, q.zeroLength);
      w.num(6, q.fua ? 1 : 0);
      w.num(7, q.extentSize);
    }
    if (m.read) {
      w.open(3, readBody(m.read));
      writeRef(w, 1, m.read.ref);
      w.num(2, m.read.offset);
      w.num(3, m.read.length);
    }
    if (m.flush) {
      w.open(4, flushBody(m.flush.refs));
      for (const r of m.flush.refs) writeRef(w, 1, r);
    }
    if (m.stat) writeRef(w, 5, m.stat);
  });
  return w.buf;
}

function stateBody(s: ExtentState): number {
  return (s.exists ? 2 : 0) + numField(s.generation) + (s.zeroed ? 2 : 0);
}

function responseBody(m: IoResponseMessage): number {
  return numField(m.id) + (m.state ? lenField(stateBody(m.state)) : 0) + (m.data.length > 0 ? lenField(m.data.length) : 0)
    + (m.errorCode ? lenField(Buffer.byteLength(m.errorCode)) : 0) + (m.errorMessage ? lenField(Buffer.byteLength(m.errorMessage)) : 0);
}

/**
 * Encodes an IoResponseBatch. With `scratch`, the result may be a view of the buffer it returns
 * (reused by the next call): only for callers that copy the bytes out before encoding again.
 */
export function encodeIoResponseBatch(responses: readonly IoResponseMessage[], scratch?: (size: number) => Buffer): Buffer {
  const bodies = responses.map(responseBody);
  const size = bodies.reduce((n, b) => n + lenField(b), 0);
  const w = new Writer(scratch ? scratch(size) : Buffer.allocUnsafe(size));
  responses.forEach((m, i) => {
    w.open(1, bodies[i]);
    w.num(1, m.id);
    if (m.state) {
      w.open(2, stateBody(m.state));
      w.num(1, m.state.exists ? 1 : 0);
      w.num(2, m.state.generation);
      w.num(3, m.state.zeroed ? 1 : 0);
    }
    if (m.data.length > 0) w.bytes(3, m.data);
    if (m.errorCode) w.str(4, m.errorCode, Buffer.byteLength(m.errorCode));
    if (m.errorMessage) w.str(5, m.errorMessage, Buffer.byteLength(m.errorMessage));
  });
  return w.buf.subarray(0, w.pos);
}

class Reader {
  pos: number;
  constructor(readonly buf: Buffer, start: number, readonly end: number) {
    this.pos = start;
  }

  get more(): boolean {
    return this.pos < this.end;
  }

  varint(): number {
    let n = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) break;
      const b = this.buf[this.pos++];
      n += (b & 127) * scale;
      if (b < 128) return n;
      scale *= 128;
    }
    throw new StoreError('INVALID_ARGUMENT', 'Cannot decode extent Io message: bad varint');
  }

  /** Bounds of a length-delimited field's body; moves past it. */
  span(): [number, number] {
    const len = this.varint();
    const start = this.pos;
    if (start + len > this.end) throw new StoreError('INVALID_ARGUMENT', 'Cannot decode extent Io message: truncated field');
    this.pos += len;
    return [start, start + len];
  }

  sub(): Reader {
    const [s, e] = this.span();
    return new Reader(this.buf, s, e);
  }

  skip(wire: number): void {
    if (wire === VARINT) this.varint();
    else if (wire === BYTES) this.span();
    else if (wire === FIXED64) this.pos += 8;
    else if (wire === FIXED32) this.pos += 4;
    else throw new StoreError('INVALID_ARGUMENT', `Cannot decode extent Io message: wire type ${wire}`);
  }
}

type FieldFn = (r: Reader, field: number, wire: number) => boolean;

/** Runs `fn` over each field; unknown fields (fn returns false) are skipped. */
function fields(r: Reader, fn: FieldFn): void {
  while (r.more) {
    const key = r.varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (!fn(r, field, wire)) r.skip(wire);
  }
}

const EMPTY = Buffer.alloc(0);

function readRef(r: Reader): ExtentRef {
  const ref: ExtentRef = { device: '', layer: '', index: 0 };
  fields(r, (r, f, w) => {
    if (f === 1 && w === BYTES) ref.device = r.buf.toString('utf8', ...r.span());
    else if (f === 2 && w === BYTES) ref.layer = r.buf.toString('utf8', ...r.span());
    else if (f === 3 && w === VARINT) ref.index = r.varint();
    else return false;
    return true;
  });
  return ref;
}

function bytesOf(r: Reader): Buffer {
  const [s, e] = r.span();
  return r.buf.subarray(s, e);
}

function readWrite(r: Reader): ExtentWriteRequest {
  const q: ExtentWriteRequest = { ref: { device: '', layer: '', index: 0 }, generation: 0, offset: 0, data: EMPTY, zeroLength: 0, fua: false, extentSize: 0 };
  fields(r, (r, f, w) => {
    if (f === 1 && w === BYTES) q.ref = readRef(r.sub());
    else if (f === 4 && w === BYTES) q.data = bytesOf(r);
    else if (w !== VARINT) return false;
    else if (f === 2) q.generation = r.varint();
    else if (f === 3) q.offset = r.varint();
    else if (f === 5) q.zeroLength = r.varint();
    else if (f === 6) q.fua = r.varint() !== 0;
    else if (f === 7) q.extentSize = r.varint();
    else return false;
    return true;
  });
  return q;
}

function readRead(r: Reader): ExtentReadRequest {
  const q: ExtentReadRequest = { ref: { device: '', layer: '', index: 0 }, offset: 0, length: 0 };
  fields(r, (r, f, w) => {
    if (f === 1 && w === BYTES) q.ref = readRef(r.sub());
    else if (f === 2 && w === VARINT) q.offset = r.varint();
    else if (f === 3 && w === VARINT) q.length = r.varint();
    else return false;
    return true;
  });
  return q;
}

/** Decodes an IoBatch. @throws INVALID_ARGUMENT when malformed */
export function decodeIoBatch(buf: Buffer): IoRequestMessage[] {
  const out: IoRequestMessage[] = [];
  fields(new Reader(buf, 0, buf.length), (r, f, w) => {
    if (f !== 1 || w !== BYTES) return false;
    const m: IoRequestMessage = { id: 0 };
    fields(r.sub(), (r, f, w) => {
      if (f === 1 && w === VARINT) m.id = r.varint();
      else if (w !== BYTES) return false;
      else if (f === 2) m.write = readWrite(r.sub());
      else if (f === 3) m.read = readRead(r.sub());
      else if (f === 4) {
        const refs: ExtentRef[] = [];
        fields(r.sub(), (r, f, w) => (f === 1 && w === BYTES ? (refs.push(readRef(r.sub())), true) : false));
        m.flush = { refs };
      } else if (f === 5) m.stat = readRef(r.sub());
      else return false;
      return true;
    });
    out.push(m);
    return true;
  });
  return out;
}

/** Decodes an IoResponseBatch. @throws INVALID_ARGUMENT when malformed */
export function decodeIoResponseBatch(buf: Buffer): IoResponseMessage[] {
  const out: IoResponseMessage[] = [];
  fields(new Reader(buf, 0, buf.length), (r, f, w) => {
    if (f !== 1 || w !== BYTES) return false;
    const m: IoResponseMessage = { id: 0, state: null, data: EMPTY, errorCode: '', errorMessage: '' };
    fields(r.sub(), (r, f, w) => {
      if (f === 1 && w === VARINT) m.id = r.varint();
      else if (w !== BYTES) return false;
      else if (f === 2) {
        const s: ExtentState = { exists: false, generation: 0, zeroed: false };
        fields(r.sub(), (r, f, w) => {
          if (w !== VARINT) return false;
          if (f === 1) s.exists = r.varint() !== 0;
          else if (f === 2) s.generation = r.varint();
          else if (f === 3) s.zeroed = r.varint() !== 0;
          else return false;
          return true;
        });
        m.state = s;
      } else if (f === 3) m.data = bytesOf(r);
      else if (f === 4) m.errorCode = r.buf.toString('utf8', ...r.span());
      else if (f === 5) m.errorMessage = r.buf.toString('utf8', ...r.span());
      else return false;
      return true;
    });
    out.push(m);
    return true;
  });
  return out;
}
