import t from 'tap';
import { join } from 'node:path';
import { rm, mkdir } from 'node:fs/promises';
import { Devices } from './devices.js';

t.test('Devices.root() reuses a mount check within its TTL and re-checks when asked fresh', async (t) => {
  const dir = t.testdir({ d1: {} });
  const devices = new Devices([{ name: 'd1', path: join(dir, 'd1') }], 0, 60_000);
  t.equal(await devices.root('d1'), join(dir, 'd1'));
  await rm(join(dir, 'd1'), { recursive: true });
  t.equal(await devices.root('d1'), join(dir, 'd1'), 'the cached check still holds');
  await t.rejects(devices.root('d1', { fresh: true }), { code: 'NOT_MOUNTED' });
  await t.rejects(devices.root('d1'), { code: 'NOT_MOUNTED' }, 'a failed check is not cached as mounted');
  await mkdir(join(dir, 'd1'));
  t.equal(await devices.root('d1'), join(dir, 'd1'), 'a device that comes back is used again');
});

t.test('Devices.root() with a TTL of 0 checks on every call', async (t) => {
  const dir = t.testdir({ d1: {} });
  const devices = new Devices([{ name: 'd1', path: join(dir, 'd1') }], 0, 0);
  await devices.root('d1');
  await rm(join(dir, 'd1'), { recursive: true });
  await t.rejects(devices.root('d1'), { code: 'NOT_MOUNTED' });
});

t.test('Devices.root() answers NOT_MOUNTED for unknown devices and plain files', async (t) => {
  const dir = t.testdir({ f: 'not a folder' });
  const devices = new Devices([{ name: 'f', path: join(dir, 'f') }]);
  await t.rejects(devices.root('nope'), { code: 'NOT_MOUNTED', message: /not on this node/ });
  await t.rejects(devices.root('f'), { code: 'NOT_MOUNTED', message: /not mounted/ });
});
