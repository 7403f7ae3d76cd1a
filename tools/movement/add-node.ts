/**
 * `strata cluster add-node`: registers a running storage node's devices in the account,
 * container and object builders (not the block ring), gives the node the current ring files and
 * the movement control, and leaves the rebalance to `strata cluster rebalance`. The node must
 * answer MovementStatus and list every device named, so a typo cannot put a phantom device
 * into the rings.
 */
import { readFile, access } from 'node:fs/promises';
import { StoreError } from '../../common/index.js';
import { ringFilePath } from '../../ring/index.js';
import { MovementClient, DEFAULT_NODE_CLIENT_CONFIG, type ClusterConfig, type MovementStatusResponseMsg } from '../../cluster/index.js';
import { prepareRegistration, type NodeDevices } from './builder-devices.js';
import { readMovementControl } from './movement-files.js';
import { pushMovementControl, type ControlOutcome } from './movement-control.js';

export interface AddNodeRequest extends Omit<NodeDevices, 'id'> {
  /** Default: the node's own id (from MovementStatus). */
  id?: string;
}

export interface AddNodeOutcome {
  address: string;
  id: string;
  zone: number;
  devices: string[];
  /** Ring name → device ids. */
  ids: Record<string, number[]>;
  /** Ring files pushed to the node (empty when it was not running). */
  pushed: Array<{ ring: string; version?: number; error?: string }>;
  control?: ControlOutcome;
}

const ALL_RINGS = ['account', 'container', 'object', 'block'] as const;

/**
 * Asks the node for its MovementStatus and checks it has every device.
 * @throws UNAVAILABLE (no answer), INVALID_ARGUMENT (a device it does not have)
 */
export async function probeNode(client: MovementClient, devices: string[], timeoutMs: number): Promise<MovementStatusResponseMsg> {
  let status: MovementStatusResponseMsg;
  try {
    status = await client.movementStatus({ timeoutMs });
  } catch (err) {
    throw new StoreError('UNAVAILABLE', `Cannot add node ${client.address}: it does not answer as a storage node (${(err as Error).message})`);
  }
  const has = status.devices.map((d) => d.device);
  const missing = devices.filter((d) => !has.includes(d));
  if (missing.length > 0) {
    throw new StoreError('INVALID_ARGUMENT', `Cannot add node ${client.address}: it has no device ${missing.map((d) => `"${d}"`).join(', ')} (it has: ${has.join(', ') || 'none'})`);
  }
  return status;
}

/**
 * Registers the node. With `probe` false (an all-in-one node that is not running yet) the node
 * is neither asked nor sent rings; `id` is then required.
 * @throws ALREADY_EXISTS (a device already registered), UNAVAILABLE, INVALID_ARGUMENT, NOT_FOUND
 * (builder file missing)
 */
export async function addNode(config: ClusterConfig, req: AddNodeRequest, opts: { probe?: boolean; timeoutMs?: number } = {}): Promise<AddNodeOutcome> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const probe = opts.probe ?? true;
  const address = `${req.ip}:${req.port}`;
  if (req.devices.length === 0) throw new StoreError('INVALID_ARGUMENT', `Cannot add node ${address}: name at least one --device`);
  if (new Set(req.devices).size !== req.devices.length) throw new StoreError('INVALID_ARGUMENT', `Cannot add node ${address}: a --device is named twice`);
  // Refuse duplicates before asking the node anything.
  await prepareRegistration(config.ringDir, { ...req, id: req.id ?? '' });
  const client = new MovementClient(req.ip, req.port, { ...DEFAULT_NODE_CLIENT_CONFIG, peerSecret: config.peerSecret, keepaliveMs: 0 });
  try {
    let id = req.id;
    if (probe) {
      const status = await probeNode(client, req.devices, timeoutMs);
      id ??= status.nodeId;
    }
    if (!id) throw new StoreError('INVALID_ARGUMENT', `Cannot add node ${address}: give it an --id`);
    const reg = await prepareRegistration(config.ringDir, { ...req, id });
    await reg.save();
    const outcome: AddNodeOutcome = { address, id, zone: reg.zone, devices: req.devices, ids: reg.ids, pushed: [] };
    if (!probe) return outcome;
    for (const ring of ALL_RINGS) {
      const file = ringFilePath(config.ringDir, ring);
      if (!(await access(file).then(() => true, () => false))) continue;
      try {
        const res = await client.pushRing({ name: ring, data: await readFile(file), force: false }, { timeoutMs });
        outcome.pushed.push({ ring, version: res.version });
      } catch (err) {
        outcome.pushed.push({ ring, error: (err as Error).message });
      }
    }
    // Every node gets its share again: the node count changed.
    outcome.control = await pushMovementControl(config, await readMovementControl(config.ringDir), { timeoutMs, extra: [{ ip: req.ip, port: req.port }] });
    return outcome;
  } finally {
    client.close();
  }
}

/** What add-node did, and what the operator does next. */
export function formatAddNode(o: AddNodeOutcome): string {
  const lines = [`Added node ${o.id} (${o.address}, zone ${o.zone}) with devices ${o.devices.join(', ')} to the account, container and object builders`];
  for (const [ring, ids] of Object.entries(o.ids)) lines.push(`  ${ring}: device ids ${ids.join(', ')}`);
  lines.push('  The block ring is not changed (block extents do not move yet).');
  for (const p of o.pushed) lines.push(p.error ? `  ring ${p.ring}: NOT pushed: ${p.error}` : `  ring ${p.ring}: the node uses version ${p.version}`);
  const down = o.control?.results.filter((r) => !r.control) ?? [];
  if (o.control) lines.push(`  movement control sent to ${o.control.results.length - down.length} of ${o.control.results.length} nodes${down.length ? ` (unreachable: ${down.map((r) => r.address).join(', ')})` : ''}`);
  lines.push('Nothing moves yet: now run `strata cluster rebalance`');
  return lines.join('\n');
}
