import t from 'tap';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { buildTestApp, login, swiftCaller } from '../testing/test-app.js';

t.test('a client that disconnects mid-upload stores nothing and the proxy keeps serving', async (t) => {
  const { app, cluster } = await buildTestApp();
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => app.close());
  const session = await login(app, 'test:tester', 'testing');
  const call = swiftCaller(app, session);
  await call('PUT', '/c');
  const port = (app.server.address() as AddressInfo).port;
  await new Promise<void>((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => {
      sock.write(`PUT ${session.path}/c/partial HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${session.token}\r\nContent-Length: 1000\r\n\r\n`);
      sock.write('only ten b');
      setTimeout(() => { sock.destroy(); resolve(); }, 50);
    });
    sock.on('error', reject);
  });
  // Poll with a deadline until the aborted request has been processed.
  const deadline = Date.now() + 2000;
  let stored = true;
  while (Date.now() < deadline) {
    stored = await cluster.headObject({ account: 'AUTH_test', container: 'c', object: 'partial' }).then(() => true, () => false);
    if (!stored) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  t.notOk(stored, 'the partial object was not stored');
  const res = await fetch(`http://127.0.0.1:${port}/healthcheck`);
  t.equal(res.status, 200);
});

t.test('a chunked upload over the size limit gets a 413 on a real socket', async (t) => {
  const { app } = await buildTestApp({ maxFileSize: 1000 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => app.close());
  const session = await login(app, 'test:tester', 'testing');
  await swiftCaller(app, session)('PUT', '/c');
  const port = (app.server.address() as AddressInfo).port;
  const reply = await new Promise<string>((resolve, reject) => {
    let got = '';
    const sock = connect(port, '127.0.0.1', () => {
      sock.write(`PUT ${session.path}/c/big HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${session.token}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`);
      for (let i = 0; i < 3; i++) sock.write(`200\r\n${'x'.repeat(512)}\r\n`);
      sock.write('0\r\n\r\n');
    });
    sock.setTimeout(5000, () => { sock.destroy(); reject(new Error('timeout')); });
    sock.on('data', (d) => { got += d.toString(); });
    sock.on('end', () => resolve(got));
    sock.on('error', reject);
  });
  t.match(reply, /^HTTP\/1\.1 413 /);
});
