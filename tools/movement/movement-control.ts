/**
 * `throttle`, `pause` and `resume`: the cluster-wide movement control is written to
 * <ringDir>/movement.json and each storage node (of the rings, plus nodes so far only in the
 * builders) gets its share by SetMovement. A node that does not answer keeps its old setting
 * until the next throttle/pause/resume or add-node reaches it.
 */
import {
  MovementClientPool, DEFAULT_NODE_CLIENT_CONFIG, type ClusterConfig, type MovementControlMsg,
} from '../../cluster/index.js';
import { clusterNodes } from '../cluster-health.js';
import { builderOnlyNodes } from './builder-devices.js';
import { nodeShare, readMovementControl, writeMovementControl, type MovementControl } from './movement-files.js';
import { formatRate } from './movement-units.js';

export interface ControlResult {
  address: string;
  /** The control the node now has (its answer). */
  control?: MovementControlMsg;
  error?: string;
}

export interface ControlOutcome {
  control: MovementControl;
  /** Each node's share of the cluster-wide rate. */
  share: number;
  results: ControlResult[];
}

/** Every storage node: of the ring files, of the builders, and `extra`. */
export async function allNodes(config: ClusterConfig, extra: Array<{ ip: string; port: number }> = []): Promise<Array<{ ip: string; port: number }>> {
  const { addresses } = await clusterNodes(config);
  const all = new Map<string, { ip: string; port: number }>();
  for (const a of [...addresses, ...(await builderOnlyNodes(config.ringDir)), ...extra]) all.set(`${a.ip}:${a.port}`, a);
  return [...all.values()];
}

/**
 * Sends every node its share of `control` in parallel (never throws for a node's failure).
 * @throws NOT_FOUND, CORRUPT for unreadable ring files
 */
export async function pushMovementControl(config: ClusterConfig, control: MovementControl,
  opts: { timeoutMs?: number; extra?: Array<{ ip: string; port: number }> } = {}): Promise<ControlOutcome> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const nodes = await allNodes(config, opts.extra);
  const share = nodeShare(control.maxBytesPerSec, nodes.length);
  const pool = new MovementClientPool({ ...DEFAULT_NODE_CLIENT_CONFIG, peerSecret: config.peerSecret,
    connectTimeoutMs: timeoutMs, nodeTimeoutMs: timeoutMs, keepaliveMs: 0 });
  try {
    const results = await Promise.all(nodes.map(async ({ ip, port }): Promise<ControlResult> => {
      const address = `${ip}:${port}`;
      try {
        return { address, control: await pool.get(ip, port).setMovement({ maxBytesPerSec: share, paused: control.paused }, { timeoutMs }) };
      } catch (err) {
        return { address, error: (err as Error).message };
      }
    }));
    return { control, share, results };
  } finally {
    pool.close();
  }
}

/**
 * Changes the cluster-wide control (only the given fields), saves it and pushes it to every node.
 * @throws CORRUPT (malformed movement.json), NO_SPACE, NOT_FOUND
 */
export async function changeMovementControl(config: ClusterConfig, change: Partial<MovementControl>,
  opts: { timeoutMs?: number } = {}): Promise<ControlOutcome> {
  const control = { ...(await readMovementControl(config.ringDir)), ...change };
  await writeMovementControl(config.ringDir, control);
  return pushMovementControl(config, control, opts);
}

/** What each node now has, and which nodes did not get it. */
export function formatControlOutcome(o: ControlOutcome): string {
  const lines = [`Movement ${o.control.paused ? 'paused' : 'running'}, cluster-wide limit ${formatRate(o.control.maxBytesPerSec)}`
    + `${o.control.maxBytesPerSec > 0 ? ` (${formatRate(o.share)} per node over ${o.results.length} nodes)` : ''}`];
  for (const r of o.results) {
    lines.push(r.control
      ? `  ${r.address}  ${r.control.paused ? 'paused' : 'running'}, ${formatRate(r.control.maxBytesPerSec)}`
      : `  ${r.address}  UNREACHABLE: ${r.error ?? 'no answer'}`);
  }
  const down = o.results.filter((r) => !r.control).map((r) => r.address);
  if (down.length > 0) lines.push(`${down.length} nodes did not get the setting (${down.join(', ')}); they get it at the next throttle, pause, resume or add-node`);
  return lines.join('\n');
}
