import t from 'tap';
import type { Device } from '../../ring/index.js';
import { resolveTarget, nodeName } from './drain-target.js';

const d = (id: number, port: number, device: string, meta: string): Device => ({ id, region: 1, zone: 1, ip: '10.0.0.1', port, device, weight: 1, meta });
const objectDevices = [d(0, 6001, 'd1', 'n1'), d(1, 6001, 'd2', 'n1'), d(2, 6002, 'd1', 'n2'), d(3, 6003, 'd1', '')];
const accountDevices = [d(0, 6001, 'd1', 'n1'), d(1, 6002, 'd1', 'n2')];
const lists = [accountDevices, objectDevices];

t.test('resolveTarget() finds a node by id across rings', async (t) => {
  t.same(resolveTarget('n1', lists), { label: 'n1', kind: 'node', deviceKeys: ['10.0.0.1:6001/d1', '10.0.0.1:6001/d2'], addresses: ['10.0.0.1:6001'] });
});

t.test('resolveTarget() finds a node by address and names it by its id', async (t) => {
  t.same(resolveTarget('10.0.0.1:6002', lists), { label: 'n2', kind: 'node', deviceKeys: ['10.0.0.1:6002/d1'], addresses: ['10.0.0.1:6002'] });
  t.equal(resolveTarget('10.0.0.1:6003', lists).label, '10.0.0.1:6003', 'a node without id keeps its address');
});

t.test('resolveTarget() finds one device', async (t) => {
  t.same(resolveTarget('10.0.0.1:6001/d2', lists), { label: '10.0.0.1:6001/d2', kind: 'device', deviceKeys: ['10.0.0.1:6001/d2'], addresses: ['10.0.0.1:6001'] });
});

t.test('resolveTarget() refuses unknown targets and devices where a node is needed', async (t) => {
  t.throws(() => resolveTarget('n7', lists), { code: 'NOT_FOUND', message: /Cannot find node "n7"/ });
  t.throws(() => resolveTarget('10.0.0.1:6009', lists), { code: 'NOT_FOUND' });
  t.throws(() => resolveTarget('10.0.0.1:6001/d9', lists), { code: 'NOT_FOUND', message: /device/ });
  t.throws(() => resolveTarget('10.0.0.1:6001/d1', lists, { nodeOnly: true }), { code: 'INVALID_ARGUMENT' });
  t.throws(() => resolveTarget('', lists), { code: 'INVALID_ARGUMENT' });
});

t.test('nodeName() prefers the id stored in device meta', async (t) => {
  t.equal(nodeName('10.0.0.1:6002', lists), 'n2');
  t.equal(nodeName('10.0.0.1:6003', lists), '10.0.0.1:6003');
});
