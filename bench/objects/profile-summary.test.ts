import t from 'tap';
import { categoryOf, summariseProfile } from './profile-summary.js';

t.test('categoryOf() groups frames by package, built-in, Strata folder and VM pseudo-frames', async (t) => {
  t.equal(categoryOf('file:///w/node_modules/@grpc/grpc-js/build/src/call.js', 'f'), 'pkg:@grpc/grpc-js');
  t.equal(categoryOf('file:///w/node_modules/pino/lib/proto.js', 'f'), 'pkg:pino');
  t.equal(categoryOf('node:internal/streams/readable', 'f'), 'node:internal/streams/readable');
  t.equal(categoryOf('file:///w/dist/storage-node/workers/auditor.js', 'f'), 'strata:storage-node/auditor');
  t.equal(categoryOf('', '(garbage collector)'), '(garbage collector)');
  t.equal(categoryOf('', 'writev'), '(native)');
});

t.test('summariseProfile() charges each sample\'s delta to its node', async (t) => {
  const s = summariseProfile({
    nodes: [
      { id: 1, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
      { id: 2, callFrame: { functionName: 'put', url: 'file:///w/dist/proxy/swift/routes-object-write.js', lineNumber: 9 } },
    ],
    samples: [1, 2, 2, 99],
    timeDeltas: [1000, 2000, 3000, 4000],
  });
  t.equal(s.totalMs, 6);
  t.same(s.byCategory[0], ['strata:proxy/routes-object-write', 5]);
  t.same(s.byFunction[0], ['put strata:proxy/routes-object-write:10', 5]);
});
