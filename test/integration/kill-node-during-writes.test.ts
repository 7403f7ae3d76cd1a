/**
 * Acceptance: a storage node killed with SIGKILL in the middle of a stream of writes loses no
 * acknowledged object: every PUT that got 201 reads back with the same content.
 */
import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { startAllInOne } from './all-in-one.js';

t.test('every acknowledged write survives a storage node killed mid-stream', async (t) => {
  const aio = await startAllInOne(t);
  const auth = await fetch(aio.authUrl, { headers: { 'x-auth-user': 'test:tester', 'x-auth-key': 'testing' } });
  t.equal(auth.status, 200);
  const token = auth.headers.get('x-auth-token') ?? '';
  const storageUrl = auth.headers.get('x-storage-url') ?? '';
  t.equal((await fetch(`${storageUrl}/stream`, { method: 'PUT', headers: { 'x-auth-token': token } })).status, 201);

  const acknowledged = new Map<string, string>();
  const total = 240;
  const concurrency = 6;
  const killAfter = 60;
  let next = 0;
  let killed = false;
  const deadline = Date.now() + 120_000;
  const worker = async (): Promise<void> => {
    while (next < total && Date.now() < deadline) {
      const i = next++;
      const body = randomBytes(1024 + (i % 7) * 3000);
      const name = `obj-${String(i).padStart(4, '0')}`;
      if (!killed && acknowledged.size >= killAfter) {
        killed = true;
        process.kill(await aio.pidOf('n2'), 'SIGKILL');
      }
      try {
        const res = await fetch(`${storageUrl}/stream/${name}`, { method: 'PUT', headers: { 'x-auth-token': token }, body });
        if (res.status === 201) acknowledged.set(name, createHash('md5').update(body).digest('hex'));
        await res.arrayBuffer();
      } catch {
        // a refused write is allowed; a lost acknowledged write is not
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  t.ok(killed, 'a node was killed during the stream');
  t.ok(acknowledged.size >= total * 0.9, `most writes were acknowledged (${acknowledged.size}/${total})`);

  let lost = 0;
  for (const [name, md5] of acknowledged) {
    const res = await fetch(`${storageUrl}/stream/${name}`, { headers: { 'x-auth-token': token } });
    const body = Buffer.from(await res.arrayBuffer());
    if (res.status !== 200 || createHash('md5').update(body).digest('hex') !== md5) lost++;
  }
  t.equal(lost, 0, 'no acknowledged object is lost or different');
});
