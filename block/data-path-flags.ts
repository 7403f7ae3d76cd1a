/**
 * V8 flags for the processes on the block data path (the block gateway and the storage nodes that
 * serve extents). Pass them on the command line of those processes:
 * `spawn(process.execPath, [...BLOCK_DATA_PATH_EXEC_ARGV, entry, ...args])`. Node refuses them in
 * NODE_OPTIONS and ignores them when set at run time (v8.setFlagsFromString), because V8 sizes
 * the heap when the process starts.
 *
 * Why: every MiB of block data passes through several short-lived 1 MiB Buffers per process
 * (HTTP/2 read chunks, grpc-js message framing and reassembly, extent reads). V8 counts their
 * bytes against the heap's global allocation limit, which for a small heap (~10 MB live) sits
 * only ~16 MB above the live size, so every ~16 MB of I/O started a full mark-compact: ~50 per
 * 512 MiB written on each node (--trace-gc), about half of a node's CPU per MiB. A larger initial
 * old-generation limit leaves room for that churn, which scavenges free anyway: measured on the
 * bench (1 MiB sequential overwrite, qd8), mark-compacts per node went from ~50 to 0, node CPU
 * from ~14.8 to ~6.9 ms per MiB (three replicas) and gateway CPU from ~10.7 to ~4.8 ms per MiB.
 * The limit is a GC trigger, not a cap: memory in use stays what the process really holds.
 */

/** Size (MiB) of the initial old-generation allocation limit for data-path processes. */
export const BLOCK_INITIAL_OLD_SPACE_MIB = 128;

/** Command-line V8 flags for the block gateway and storage-node processes (before the entry script). */
export const BLOCK_DATA_PATH_EXEC_ARGV: readonly string[] = Object.freeze([`--initial-old-space-size=${BLOCK_INITIAL_OLD_SPACE_MIB}`]);

/** True when this process was started with the data-path flags (e.g. to warn or re-exec when not). */
export function hasBlockDataPathFlags(execArgv: readonly string[] = process.execArgv): boolean {
  return BLOCK_DATA_PATH_EXEC_ARGV.every((flag) => execArgv.includes(flag));
}
