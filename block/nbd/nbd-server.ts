/**
 * NbdServer: a TCP listener speaking NBD over an export provider. Each connection runs the
 * handshake then the transmission phase; TCP_NODELAY is on because NBD is request/reply and
 * Nagle would hold small replies back by up to 40 ms.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { TLSSocketOptions } from 'node:tls';
import type { Logger } from '../../common/index.js';
import type { NbdExportProvider } from './nbd-export.js';
import { negotiate } from './nbd-handshake.js';
import { serveTransmission } from './nbd-transmission.js';

export interface NbdServerOptions {
  provider: NbdExportProvider;
  host: string;
  /** 0 picks a free port. */
  port: number;
  tls?: { socketOptions: TLSSocketOptions; required: boolean };
  log: Logger;
  maxInFlightBytes?: number;
}

export interface RunningNbdServer {
  port: number;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

/** Starts listening. @throws when the address cannot be bound */
export async function startNbdServer(opts: NbdServerOptions): Promise<RunningNbdServer> {
  const log = opts.log.child({ component: 'nbd' });
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    void handle(socket);
  });

  async function handle(socket: Socket): Promise<void> {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    try {
      const session = await negotiate(socket, { provider: opts.provider, tls: opts.tls, log });
      if (!session) return;
      log.debug({ peer, export: session.export.name }, 'NBD client attached');
      try {
        await serveTransmission(session, { log, maxInFlightBytes: opts.maxInFlightBytes });
      } finally {
        await session.export.release().catch((err: unknown) => log.warn({ err, export: session.export.name }, 'release failed'));
        session.socket.end();
      }
    } catch (err) {
      log.debug({ peer, err: (err as Error).message }, 'NBD connection ended during handshake');
    } finally {
      socket.end();
      setTimeout(() => socket.destroy(), 1_000).unref();
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  log.info({ host: opts.host, port }, 'NBD server listening');
  return {
    port,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
