import t from 'tap';
import { StoreError } from '../common/index.js';
import { quorumSize, reduceOutcomes, type NodeOutcome } from './quorum.js';

const ok = (node: string): NodeOutcome<string> => ({ ok: true, node, value: node });
const bad = (node: string, code: StoreError['code']): NodeOutcome<string> => ({ ok: false, node, error: new StoreError(code, `${node} says ${code}`) });

t.test('quorumSize() is a majority', async (t) => {
  t.same([1, 2, 3, 4, 5].map(quorumSize), [1, 2, 2, 3, 3]);
  t.equal(quorumSize(0), 1);
});

t.test('reduceOutcomes() succeeds with a majority of acknowledgements', async (t) => {
  t.same(reduceOutcomes([ok('a'), ok('b'), bad('c', 'UNAVAILABLE')], 3, 'x'), ['a', 'b']);
});

t.test('reduceOutcomes() gives QUORUM_NOT_MET when nodes are down', async (t) => {
  t.throws(() => reduceOutcomes([ok('a'), bad('b', 'UNAVAILABLE'), bad('c', 'TIMEOUT')], 3, 'Cannot PUT "x"'),
    { code: 'QUORUM_NOT_MET', message: /Cannot PUT "x": 1 of 3 replicas answered, 2 needed \(b: UNAVAILABLE, c: TIMEOUT\)/ });
  t.throws(() => reduceOutcomes([], 3, 'x'), { code: 'QUORUM_NOT_MET' });
});

t.test('reduceOutcomes() passes on the answer a quorum agrees on', async (t) => {
  t.throws(() => reduceOutcomes([bad('a', 'NOT_FOUND'), bad('b', 'NOT_FOUND'), ok('c')], 3, 'x'), { code: 'NOT_FOUND' });
  t.throws(() => reduceOutcomes([bad('a', 'CONFLICT'), bad('b', 'UNAVAILABLE'), bad('c', 'UNAVAILABLE')], 3, 'x'), { code: 'QUORUM_NOT_MET' });
  t.throws(() => reduceOutcomes([bad('a', 'CHECKSUM_MISMATCH'), bad('b', 'CHECKSUM_MISMATCH'), bad('c', 'UNAVAILABLE')], 3, 'x'), { code: 'CHECKSUM_MISMATCH' });
  // One definitive answer outnumbering the faults wins over a vague 503.
  t.throws(() => reduceOutcomes([bad('a', 'PRECONDITION_FAILED'), ok('b')], 3, 'x'), { code: 'PRECONDITION_FAILED' });
});
