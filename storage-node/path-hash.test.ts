import t from 'tap';
import { RingBuilder, Ring, ringFilePath } from '../ring/index.js';
import { PathHasher, suffixOf, objectPath } from './path-hash.js';

t.test('PathHasher.hash() is the ring\'s salted xxhash64, so folders follow partitions', async (t) => {
  const dir = t.testdir({});
  const b = RingBuilder.create({ partPower: 10, replicas: 1, minPartHours: 0, hashSecret: 'cluster-secret' });
  b.addDevice({ region: 1, zone: 1, ip: '127.0.0.1', port: 1, device: 'd1', weight: 1, meta: '' });
  b.rebalance({ seed: 1 });
  await b.writeRing(ringFilePath(dir, 'object'));
  const ring = await Ring.load(ringFilePath(dir, 'object'));
  const hasher = await PathHasher.create('cluster-secret');
  for (const [a, c, o] of [['AUTH_a', 'c', 'o'], ['acc', 'cont', 'dir/é/ü.txt'], ['x', 'y', 'z'.repeat(900)]] as const) {
    const path = objectPath(a, c, o);
    const hash = hasher.hash(path);
    t.match(hash, /^[0-9a-f]{16}$/);
    t.equal(Number(BigInt(`0x${hash}`) >> 54n), ring.partOf(path), `partition of ${path.slice(0, 20)}`);
    t.equal(suffixOf(hash), hash.slice(13));
  }
  t.not((await PathHasher.create('other')).hash('/a/c/o'), hasher.hash('/a/c/o'), 'the secret salts the hash');
});
