import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snapshotCpu } from './server-cpu.js';

t.test('snapshotCpu() sums a PID file process and its children, and sees CPU grow', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'server-cpu-'));
  // A parent shell with one busy child: the child's CPU must be counted through the parent.
  const child = spawn('sh', ['-c', 'timeout 3 sh -c "while :; do :; done" & wait'], { stdio: 'ignore' });
  t.teardown(() => { child.kill('SIGKILL'); });
  writeFileSync(join(dir, 'server.pid'), `${child.pid}\n`);
  await new Promise((r) => setTimeout(r, 100));
  const a = snapshotCpu({ pidDir: dir });
  await new Promise((r) => setTimeout(r, 600));
  const b = snapshotCpu({ pidDir: dir });
  t.ok(b.pids >= 2, `parent and child seen (${b.pids})`);
  t.ok(b.cpuSec > a.cpuSec, `cpu grew ${a.cpuSec} -> ${b.cpuSec}`);
  t.ok(b.rssMiB > 0);
});

t.test('snapshotCpu() reads zero for a missing folder or dead PIDs', async (t) => {
  t.same(snapshotCpu({ pidDir: '/nonexistent/run' }), { cpuSec: 0, rssMiB: 0, pids: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'server-cpu-'));
  writeFileSync(join(dir, 'gone.pid'), '999999999\n');
  t.equal(snapshotCpu({ pidDir: dir }).pids, 0);
  t.equal(snapshotCpu({ pgrep: '^no-such-process-name-xyz$' }).pids, 0);
});
