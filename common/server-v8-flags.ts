/**
 * V8 flags for Strata's server processes (proxy, storage nodes, block gateway). Pass them on the
 * command line: `spawn(process.execPath, [...SERVER_EXEC_ARGV, entry, ...args])`; the `strata`
 * executable's shebang carries them too. Node refuses them in NODE_OPTIONS and ignores them when
 * set at run time (v8.setFlagsFromString), because V8 sizes the heap when the process starts.
 *
 * Why: every MiB of block data or object body passes through several short-lived 1 MiB Buffers per process
 * (HTTP/2 read chunks, grpc-js message framing and reassembly, extent reads). V8 counts their
 * bytes against the heap's global allocation limit, which for a small heap (~10 MB live) sits
 * only ~16 MB above the live size, so every ~16 MB of I/O started a full mark-compact: ~50 per
 * 512 MiB written on each node (--trace-gc), about half of a node's CPU per MiB. A larger initial
 * old-generation limit leaves room for that churn, which scavenges free anyway: measured on the
 * bench (1 MiB sequential overwrite, qd8), mark-compacts per node went from ~50 to 0, node CPU
 * from ~14.8 to ~6.9 ms per MiB (three replicas) and gateway CPU from ~10.7 to ~4.8 ms per MiB.
 * The limit is a GC trigger, not a cap: memory in use stays what the process really holds.
 * Object bodies churn the same way: 1 MiB PUTs through the all-in-one cost ~46 → ~30 ms of
 * server CPU each with the flag (same machine, back to back).
 */

/** Size (MiB) of the initial old-generation allocation limit for server processes. */
export const SERVER_INITIAL_OLD_SPACE_MIB = 128;

/** Command-line V8 flags for the server processes (before the entry script). */
export const SERVER_EXEC_ARGV: readonly string[] = Object.freeze([`--initial-old-space-size=${SERVER_INITIAL_OLD_SPACE_MIB}`]);

/** True when this process was started with the server flags. */
export function hasServerFlags(execArgv: readonly string[] = process.execArgv): boolean {
  return SERVER_EXEC_ARGV.every((flag) => execArgv.includes(flag));
}
