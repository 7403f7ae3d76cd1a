/**
 * freePort(): a loopback TCP port that was free a moment ago (bind port 0, read it, close), for
 * tests that start servers on ports they must know in advance (restarts on the same port).
 */
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}
