/**
 * The FlowIO of a real cluster: movement status from every node (gatherMovementStatus), the gRPC
 * movement client, the movement control file, stdout for the report and a y/N question on the
 * terminal (only when standard input is one).
 */
import { createInterface } from 'node:readline/promises';
import type { ClusterConfig } from '../../cluster/index.js';
import { gatherMovementStatus } from '../movement/movement-status.js';
import { readMovementControl } from '../movement/movement-files.js';
import { clusterMovementNodes } from './movement-nodes.js';
import type { FlowIO } from './rebalance-flow.js';

/** Asks on the terminal; true only for "y" or "yes". */
async function askTerminal(question: string, out: NodeJS.WritableStream): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: out });
  try {
    return /^\s*y(es)?\s*$/i.test(await rl.question(question));
  } finally {
    rl.close();
  }
}

/**
 * @param quiet JSON output: the human report is not printed (the question goes to stderr)
 */
export function clusterFlowIO(config: ClusterConfig, o: { quiet: boolean; timeoutMs?: number }): FlowIO {
  const out = o.quiet ? process.stderr : process.stdout;
  return {
    gather: (extra) => gatherMovementStatus(config, { extra, ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}) }),
    nodes: clusterMovementNodes(config),
    readControl: () => readMovementControl(config.ringDir),
    say: (text) => { if (!o.quiet) process.stdout.write(`${text}\n`); },
    ask: process.stdin.isTTY ? (q) => askTerminal(q, out) : undefined,
    nowMs: () => Date.now(),
  };
}
