import t from 'tap';
import { PeerAgreements, partitionDigest } from './peer-agreements.js';

function clockAt(ms: number) {
  const c = { ms, nowMs: () => c.ms, monoMs: () => c.ms };
  return c;
}

t.test('PeerAgreements.holds() only what was recorded, per partition and peer', async (t) => {
  const a = new PeerAgreements(60_000, clockAt(0));
  t.notOk(a.holds('d1', 5, 'p1'), 'nothing before a compare');
  a.record('d1', 5, 'p1', a.generation('d1', 5));
  t.ok(a.holds('d1', 5, 'p1'));
  t.notOk(a.holds('d1', 5, 'p2'), 'another peer');
  t.notOk(a.holds('d1', 6, 'p1'), 'another partition');
  t.notOk(a.holds('d2', 5, 'p1'), 'another device');
});

t.test('PeerAgreements end after the TTL, and never hold with a TTL of 0', async (t) => {
  const clock = clockAt(1_000);
  const a = new PeerAgreements(60_000, clock);
  a.record('d1', 5, 'p1', a.generation('d1', 5));
  clock.ms += 60_000;
  t.ok(a.holds('d1', 5, 'p1'), 'still within the TTL');
  clock.ms += 1;
  t.notOk(a.holds('d1', 5, 'p1'), 'past the TTL');
  const off = new PeerAgreements(0, clock);
  off.record('d1', 5, 'p1', off.generation('d1', 5));
  t.notOk(off.holds('d1', 5, 'p1'), 'TTL 0: every pass compares');
});

t.test('PeerAgreements.forget() ends a partition and cancels a compare in flight', async (t) => {
  const a = new PeerAgreements(60_000, clockAt(0));
  a.record('d1', 5, 'p1', a.generation('d1', 5));
  a.record('d1', 6, 'p1', a.generation('d1', 6));
  const inFlight = a.generation('d1', 5);
  a.forget('d1', 5);
  t.notOk(a.holds('d1', 5, 'p1'), 'forgotten');
  t.ok(a.holds('d1', 6, 'p1'), 'other partitions kept');
  a.record('d1', 5, 'p2', inFlight);
  t.notOk(a.holds('d1', 5, 'p2'), 'a compare that started before the change is not recorded');
  a.record('d1', 5, 'p2', a.generation('d1', 5));
  t.ok(a.holds('d1', 5, 'p2'), 'a compare that started after it is');
});

t.test('PeerAgreements.forgetAll() ends everything, compares in flight included', async (t) => {
  const a = new PeerAgreements(60_000, clockAt(0));
  a.record('d1', 5, 'p1', a.generation('d1', 5));
  const inFlight = a.generation('d1', 7);
  a.forgetAll();
  t.equal(a.size, 0);
  t.notOk(a.holds('d1', 5, 'p1'));
  a.record('d1', 7, 'p1', inFlight);
  t.notOk(a.holds('d1', 7, 'p1'), 'started before forgetAll()');
});

t.test('PeerAgreements.peerAsked() forgets only when the caller sees the partition differently', async (t) => {
  const ours = new Map([['abc', 'h1'], ['fff', 'h2']]);
  const a = new PeerAgreements(60_000, clockAt(0));
  a.record('d1', 5, 'p1', a.generation('d1', 5));
  a.peerAsked('d1', 5, partitionDigest(new Map([['fff', 'h2'], ['abc', 'h1']])), ours);
  t.ok(a.holds('d1', 5, 'p1'), 'same hashes (in any order): kept');
  a.peerAsked('d1', 5, partitionDigest(new Map([['abc', 'h1']])), ours);
  t.notOk(a.holds('d1', 5, 'p1'), 'the caller lacks a suffix: forgotten');
  a.record('d1', 5, 'p1', a.generation('d1', 5));
  a.peerAsked('d1', 5, '', ours);
  t.notOk(a.holds('d1', 5, 'p1'), 'no digest sent: forgotten');
});

t.test('partitionDigest() depends on every suffix and hash', async (t) => {
  const base = partitionDigest(new Map([['abc', 'h1'], ['fff', 'h2']]));
  t.not(partitionDigest(new Map([['abc', 'h1'], ['fff', 'h3']])), base);
  t.not(partitionDigest(new Map([['abc', 'h1'], ['ffe', 'h2']])), base);
  t.not(partitionDigest(new Map()), base);
  t.equal(partitionDigest(new Map([['fff', 'h2'], ['abc', 'h1']])), base);
});
