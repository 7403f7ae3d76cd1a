/**
 * The Worker contract of every background job (style.md): one bounded pass per runOnce(), which
 * tests call directly; WorkerRunner loops it.
 */
export type WorkerResult = 'busy' | 'idle' | 'done';

export interface Worker {
  readonly name: string;
  /** Does a bounded amount of work. 'busy': more is waiting; 'idle': nothing to do; 'done': stop. */
  runOnce(signal: AbortSignal): Promise<WorkerResult>;
  /** After an 'idle' pass: wait this long (ms) instead of the runner's interval, when set. */
  idleDelayMs?(): number | undefined;
}
