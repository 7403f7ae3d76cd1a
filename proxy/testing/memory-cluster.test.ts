import t from 'tap';
import { ManualClock } from '../../common/index.js';
import { MemoryObjectCluster } from './memory-cluster.js';
import { objectClusterSuite } from './object-cluster.suite.js';

t.test('MemoryObjectCluster meets the ObjectCluster contract', async (t) => {
  objectClusterSuite(t, async () => {
    const clock = new ManualClock(Date.now());
    return { cluster: new MemoryObjectCluster(clock), nowMs: () => clock.nowMs(), advanceMs: (ms) => clock.advance(ms) };
  });
});
