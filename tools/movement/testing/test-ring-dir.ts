/**
 * Writes builder and ring files (account, container, object, block) for tests: one device "d1"
 * per given port on 127.0.0.1, each in its own zone, 2 replicas, part power 4.
 */
import { RingBuilder, ringFilePath } from '../../../ring/index.js';
import { builderPath } from '../builder-devices.js';

export async function writeTestRings(ringDir: string, ports: number[], replicas = 2): Promise<void> {
  for (const name of ['account', 'container', 'object', 'block'] as const) {
    const b = RingBuilder.create({ partPower: 4, replicas, minPartHours: 1, hashSecret: 'test-secret' });
    ports.forEach((port, i) => b.addDevice({ region: 1, zone: i + 1, ip: '127.0.0.1', port, device: 'd1', weight: 100, meta: `n${i + 1}` }));
    b.rebalance({ seed: 1 });
    await b.save(builderPath(ringDir, name));
    await b.writeRing(ringFilePath(ringDir, name));
  }
}
