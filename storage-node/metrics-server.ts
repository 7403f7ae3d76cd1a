/** The node's small HTTP side door: GET /metrics (Prometheus) and GET /healthcheck. */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

/** Serves metrics on bindIp:port; resolves with the bound port. */
export function startMetricsServer(registry: Registry, bindIp: string, port: number): Promise<{ port: number; server: Server }> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthcheck') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
      return;
    }
    if (req.method === 'GET' && req.url === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
      return;
    }
    res.writeHead(404).end();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, bindIp, () => {
      const addr = server.address();
      resolve({ port: typeof addr === 'object' && addr ? addr.port : port, server });
    });
  });
}
