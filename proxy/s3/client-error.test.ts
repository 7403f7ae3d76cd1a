import t from 'tap';
import Fastify from 'fastify';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { clientErrorResponse, s3ClientErrorHandler } from './client-error.js';

t.test('clientErrorResponse() is a complete HTTP response with an S3 XML error', async (t) => {
  const raw = clientErrorResponse({ code: 'HPE_HEADER_OVERFLOW' });
  const [head, body] = raw.split('\r\n\r\n');
  t.match(head, /^HTTP\/1\.1 400 Bad Request\r\n/);
  t.match(body, /<Code>RequestHeaderSectionTooLarge<\/Code>/);
  t.match(head, new RegExp(`Content-Length: ${Buffer.byteLength(body!)}`));
  t.match(clientErrorResponse({ code: 'HPE_INVALID_METHOD' }), /<Code>InvalidRequest<\/Code>/);
});

t.test('s3ClientErrorHandler answers a request with a huge header section', async (t) => {
  const app = Fastify({ clientErrorHandler: s3ClientErrorHandler });
  app.get('/*', async () => 'never');
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => app.close());
  const port = (app.server.address() as AddressInfo).port;
  const response = await new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('no answer within 5 s')); }, 5000);
    socket.on('data', (d) => { data += d.toString(); });
    socket.on('close', () => { clearTimeout(timer); resolve(data); });
    socket.on('error', () => undefined);
    socket.write(`GET /bucket/key HTTP/1.1\r\nHost: x\r\nx-amz-meta-big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
  });
  t.match(response, /^HTTP\/1\.1 400/);
  t.match(response, /RequestHeaderSectionTooLarge/);
});
