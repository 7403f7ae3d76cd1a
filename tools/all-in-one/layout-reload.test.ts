import t from 'tap';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, writeFileAtomic } from '../../common/index.js';
import { initialiseLayout, readLayout, layoutFile } from './layout.js';
import { LayoutReloader } from './layout-reload.js';
import type { ChildSpec, Supervisor } from './supervisor.js';

/** Records starts; knows the names it "runs". */
function fakeSupervisor(names: string[]): Supervisor & { started: ChildSpec[] } {
  const running = new Set(names);
  const fake = {
    started: [] as ChildSpec[],
    has: (name: string) => running.has(name),
    start: async (spec: ChildSpec) => { running.add(spec.name); fake.started.push(spec); },
  };
  return fake as unknown as Supervisor & { started: ChildSpec[] };
}

t.test('LayoutReloader starts only the nodes the supervisor does not run, after enable()', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'strata-reload-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await initialiseLayout({ dataDir: dir, bindIp: '127.0.0.1', proxyPort: 1, blockPort: 2, basePort: 40000, nodeCount: 2, replicas: 2, partPower: 4 });
  const layout = (await readLayout(dir))!;
  await writeFileAtomic(layoutFile(dir), JSON.stringify({ ...layout, nodes: [...layout.nodes, { id: 'n3', port: 40002, zone: 3, devices: ['d1'] }] }));
  const sup = fakeSupervisor(['n1', 'n2', 'proxy']);
  const told: string[] = [];
  const r = new LayoutReloader(dir, 'warn', sup, silentLogger(), (name, port) => told.push(`${name}:${port}`));
  r.request();
  await r.idle();
  t.same(sup.started, [], 'nothing before enable()');
  r.enable();
  await r.idle();
  t.same(sup.started.map((s) => s.name), ['n3']);
  t.same(told, ['n3:40002']);
  t.equal((JSON.parse(await readFile(join(dir, 'nodes', 'n3.json'), 'utf8')) as { logLevel: string }).logLevel, 'warn', 'config written');
  r.request();
  await r.idle();
  t.equal(sup.started.length, 1, 'a second reload starts nothing new');
});
