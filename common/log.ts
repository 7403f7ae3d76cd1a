/**
 * Structured logging. One pino root per process (made in main.ts); components take children:
 * `log.child({ component: 'replicator', device })`. Secrets are redacted wherever they appear.
 */
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export interface LogOptions {
  level?: LevelWithSilent;
  /** Process name, e.g. "proxy" or "storage-node". */
  name: string;
  /** Where to write; defaults to stdout (fd 1). */
  destination?: number | string;
}

const REDACT = [
  'req.headers.authorization',
  'req.headers["x-auth-token"]',
  'req.headers["x-auth-key"]',
  'req.headers["x-storage-token"]',
  'headers.authorization',
  'secret',
  'key',
  'password',
];

/** Makes the root logger of a process. */
export function createLogger(opts: LogOptions): Logger {
  return pino(
    {
      name: opts.name,
      level: opts.level ?? 'info',
      redact: { paths: REDACT, censor: '[redacted]' },
      base: { pid: process.pid },
    },
    pino.destination({ dest: opts.destination ?? 1, sync: false }),
  );
}

/** A logger that drops everything, for tests and library callers that pass none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
