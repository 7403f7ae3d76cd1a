/**
 * `strata cluster add-node --local`: one more storage node for the all-in-one. It is added to
 * the layout (<data>/all-in-one.json: next free port above the highest node port, its own zone,
 * one device "d1"), its folder and config are written, and the running `strata start` (found by
 * <data>/run/strata.pid) is told by SIGHUP to start the nodes it does not run yet. Once the node
 * answers, it is registered in the builders like any added node. Since the layout lists it, the
 * all-in-one starts it again after a restart.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreError, writeFileAtomic } from '../../common/index.js';
import { MovementClient, DEFAULT_NODE_CLIENT_CONFIG, type ClusterConfig } from '../../cluster/index.js';
import { layoutFile, readLayout, type AllInOneLayout, type NodeLayout } from '../all-in-one/layout.js';
import { writeProcessConfigs } from '../all-in-one/process-configs.js';
import { runningAllInOnePid } from '../all-in-one/run-file.js';
import { prepareRegistration } from './builder-devices.js';
import { addNode, type AddNodeOutcome } from './add-node.js';

export interface LocalAddOutcome {
  node: NodeLayout;
  /** False: the all-in-one is not running; the node starts with the next `strata start`. */
  started: boolean;
  registration: AddNodeOutcome;
}

function portFree(host: string, port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** The next port above every node port that is no other all-in-one port and free to bind. */
export async function nextNodePort(layout: AllInOneLayout): Promise<number> {
  const taken = new Set([layout.proxyPort, layout.blockPort, ...layout.nodes.map((n) => n.port)]);
  let port = Math.max(...layout.nodes.map((n) => n.port)) + 1;
  for (let tries = 0; tries < 200 && port <= 65535; tries++, port++) {
    if (!taken.has(port) && (await portFree(layout.bindIp, port))) return port;
  }
  throw new StoreError('UNAVAILABLE', 'Cannot add a local node: no free port found above the node ports');
}

/** The first free "n<k>" id from the node count up. */
export function nextNodeId(layout: AllInOneLayout): string {
  const ids = new Set(layout.nodes.map((n) => n.id));
  let k = layout.nodes.length + 1;
  while (ids.has(`n${k}`)) k++;
  return `n${k}`;
}

async function waitUntilAnswers(client: MovementClient, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      await client.movementStatus({ timeoutMs: 2_000 });
      return;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(250);
  }
  throw new StoreError('TIMEOUT', `Cannot add a local node: ${client.address} did not answer within ${timeoutMs} ms (${last}); see the node's log in the data folder`);
}

/**
 * Adds and starts one node with one device under the all-in-one of `config`.
 * @throws PRECONDITION_FAILED (not an all-in-one), NOT_FOUND (no layout), TIMEOUT (the node did
 * not answer), ALREADY_EXISTS
 */
export async function addLocalNode(config: ClusterConfig, o: { weight: number; timeoutMs?: number }): Promise<LocalAddOutcome> {
  const dataDir = config.dataDir;
  if (!dataDir) {
    throw new StoreError('PRECONDITION_FAILED', 'Cannot add a local node: the cluster is not an all-in-one (its cluster file has no "dataDir"); use --ip, --port and --device');
  }
  const layout = await readLayout(dataDir);
  if (!layout) throw new StoreError('NOT_FOUND', `Cannot add a local node: "${layoutFile(dataDir)}" is missing`);
  const node: NodeLayout = {
    id: nextNodeId(layout), port: await nextNodePort(layout),
    zone: 1 + Math.max(0, ...layout.nodes.map((n) => n.zone)), devices: ['d1'],
  };
  const request = { ip: layout.bindIp, port: node.port, devices: node.devices, weight: o.weight, region: 1, zone: node.zone, id: node.id };
  await prepareRegistration(config.ringDir, request); // refuses before anything is written

  for (const dev of node.devices) await mkdir(join(dataDir, 'nodes', node.id, dev), { recursive: true });
  const next: AllInOneLayout = { ...layout, nodes: [...layout.nodes, node] };
  await writeFileAtomic(layoutFile(dataDir), JSON.stringify(next, null, 2));
  await writeProcessConfigs(dataDir, next, await currentLogLevel(dataDir, layout));

  const pid = await runningAllInOnePid(dataDir);
  if (pid !== undefined) {
    process.kill(pid, 'SIGHUP');
    const client = new MovementClient(layout.bindIp, node.port, { ...DEFAULT_NODE_CLIENT_CONFIG, peerSecret: config.peerSecret, keepaliveMs: 0 });
    try {
      await waitUntilAnswers(client, o.timeoutMs ?? 60_000);
    } finally {
      client.close();
    }
  }
  const registration = await addNode(config, request, { probe: pid !== undefined });
  return { node, started: pid !== undefined, registration };
}

/** The log level the all-in-one's nodes were configured with (so rewriting configs keeps it). */
async function currentLogLevel(dataDir: string, layout: AllInOneLayout): Promise<string> {
  const first = layout.nodes[0];
  if (!first) return 'info';
  try {
    const cfg = JSON.parse(await readFile(join(dataDir, 'nodes', `${first.id}.json`), 'utf8')) as { logLevel?: string };
    return cfg.logLevel ?? 'info';
  } catch {
    return 'info';
  }
}

/** The add-node --local report. */
export function formatLocalAdd(o: LocalAddOutcome): string {
  return o.started
    ? `Started storage node ${o.node.id} on port ${o.node.port} under the running all-in-one`
    : `The all-in-one is not running: node ${o.node.id} (port ${o.node.port}) starts with the next \`strata start\``;
}
