/**
 * common/: errors, logging, time, durable files. No domain logic; imports nothing of Strata's.
 */
export * from './errors.js';
export * from './log.js';
export * from './clock.js';
export * from './timestamp.js';
export * from './fs-atomic.js';
export { closeOnSignals } from './close-on-signals.js';
export * from './server-v8-flags.js';
