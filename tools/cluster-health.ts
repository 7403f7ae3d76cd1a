/**
 * `strata cluster health`: asks every storage node of the rings for its NodeInfo (devices, ring
 * versions, durability workers' counters, journal depth, quarantined files) and sums it up.
 * `assessHealth` is pure (tests feed it answers); anything it lists under `problems` needs the
 * operator and makes the command exit 1.
 */
import { Ring, ringFilePath } from '../ring/index.js';
import { NodeClientPool, DEFAULT_NODE_CLIENT_CONFIG, type NodeInfoResponseMsg, type ClusterConfig } from '../cluster/index.js';
import { access } from 'node:fs/promises';

export interface NodeAnswer {
  address: string;
  info?: NodeInfoResponseMsg;
  error?: string;
}

export interface HealthOptions {
  /** Replication older than this needs the operator (ms). */
  maxReplicationAgeMs: number;
  /** More undelivered listing updates than this need the operator. */
  maxJournalDepth: number;
  nowMs: number;
}

export interface HealthReport {
  nodesUp: number;
  nodesTotal: number;
  devicesMounted: number;
  devicesTotal: number;
  /** Ring name → versions in use on the nodes, and the version of the local ring file. */
  rings: Record<string, { inUse: number[]; file?: number }>;
  /** Age of the oldest last replication pass over the nodes that are up (ms); undefined: none yet. */
  replicationAgeMs?: number;
  quarantinedFiles: number;
  journalDepth: number;
  handoffPartitions: number;
  problems: string[];
  nodes: NodeAnswer[];
}

/** Sums up the nodes' answers. */
export function assessHealth(answers: NodeAnswer[], ringFiles: Record<string, number>, opts: HealthOptions): HealthReport {
  const problems: string[] = [];
  const rings: HealthReport['rings'] = {};
  for (const [name, version] of Object.entries(ringFiles)) rings[name] = { inUse: [], file: version };
  let devicesMounted = 0;
  let devicesTotal = 0;
  let quarantinedFiles = 0;
  let journalDepth = 0;
  let handoffPartitions = 0;
  let oldestPassMs: number | undefined;
  let neverReplicated = false;
  for (const a of answers) {
    if (!a.info) {
      problems.push(`node ${a.address} is down: ${a.error ?? 'no answer'}`);
      continue;
    }
    const info = a.info;
    for (const d of info.devices) {
      devicesTotal += 1;
      if (d.mounted) devicesMounted += 1;
      else problems.push(`device ${a.address}/${d.name} is not mounted`);
    }
    for (const [name, version] of Object.entries(info.ringVersions)) {
      const r = (rings[name] ??= { inUse: [] });
      if (!r.inUse.includes(version)) r.inUse.push(version);
    }
    quarantinedFiles += info.quarantinedFiles ?? 0;
    journalDepth += info.journalDepth ?? 0;
    for (const w of info.workers ?? []) {
      handoffPartitions += w.handoffsLeft;
      if (w.worker !== 'replicator') continue;
      if (w.lastPassEndMs > 0) oldestPassMs = oldestPassMs === undefined ? w.lastPassEndMs : Math.min(oldestPassMs, w.lastPassEndMs);
      else if (info.uptimeMs > opts.maxReplicationAgeMs) neverReplicated = true;
    }
  }
  for (const [name, r] of Object.entries(rings)) {
    r.inUse.sort((x, y) => x - y);
    if (r.inUse.length > 1) problems.push(`nodes serve ${r.inUse.length} versions of the ${name} ring (${r.inUse.join(', ')})`);
    else if (r.file !== undefined && r.inUse.length === 1 && r.inUse[0] !== r.file) problems.push(`nodes serve ${name} ring version ${r.inUse[0]}, the ring file is version ${r.file}`);
  }
  const replicationAgeMs = oldestPassMs === undefined ? undefined : opts.nowMs - oldestPassMs;
  if (neverReplicated) problems.push('a node has run no replication pass since it started');
  if (replicationAgeMs !== undefined && replicationAgeMs > opts.maxReplicationAgeMs) {
    problems.push(`the oldest replication pass ended ${Math.round(replicationAgeMs / 1000)} s ago`);
  }
  if (quarantinedFiles > 0) problems.push(`${quarantinedFiles} quarantined files wait for inspection`);
  if (journalDepth > opts.maxJournalDepth) problems.push(`${journalDepth} listing updates wait in journals`);
  const nodesUp = answers.filter((a) => a.info).length;
  return {
    nodesUp, nodesTotal: answers.length, devicesMounted, devicesTotal, rings, quarantinedFiles, journalDepth,
    handoffPartitions, problems, nodes: answers, ...(replicationAgeMs !== undefined ? { replicationAgeMs } : {}),
  };
}

/** Every storage-node address named by the cluster's rings, and the rings' file versions. */
export async function clusterNodes(cluster: ClusterConfig): Promise<{ addresses: Array<{ ip: string; port: number }>; ringFiles: Record<string, number> }> {
  const seen = new Map<string, { ip: string; port: number }>();
  const ringFiles: Record<string, number> = {};
  for (const name of ['account', 'container', 'object', 'block'] as const) {
    const file = ringFilePath(cluster.ringDir, name);
    if (!(await access(file).then(() => true, () => false))) continue;
    const ring = await Ring.load(file);
    ringFiles[name] = ring.version;
    for (const d of ring.devices) if (d) seen.set(`${d.ip}:${d.port}`, { ip: d.ip, port: d.port });
  }
  return { addresses: [...seen.values()], ringFiles };
}

/** Asks every node of the cluster for its NodeInfo. */
export async function gatherHealth(cluster: ClusterConfig, opts: Omit<HealthOptions, 'nowMs'> & { timeoutMs: number }): Promise<HealthReport> {
  const { addresses, ringFiles } = await clusterNodes(cluster);
  const pool = new NodeClientPool({ ...DEFAULT_NODE_CLIENT_CONFIG, peerSecret: cluster.peerSecret, connectTimeoutMs: opts.timeoutMs, nodeTimeoutMs: opts.timeoutMs });
  try {
    const answers = await Promise.all(addresses.map(async ({ ip, port }): Promise<NodeAnswer> => {
      const address = `${ip}:${port}`;
      try {
        const client = pool.get(ip, port);
        await client.waitConnected();
        return { address, info: await client.nodeInfo() };
      } catch (err) {
        return { address, error: (err as Error).message };
      }
    }));
    return assessHealth(answers, ringFiles, { ...opts, nowMs: Date.now() });
  } finally {
    pool.close();
  }
}

/** The human-readable report. */
export function formatHealth(r: HealthReport): string {
  const age = r.replicationAgeMs === undefined ? 'no pass yet' : `${Math.round(r.replicationAgeMs / 1000)} s ago (oldest node)`;
  // A ring no node reports (nodes older than the block ring in NodeInfo) says so plainly.
  const rings = Object.entries(r.rings)
    .map(([n, v]) => `${n} ${v.inUse.join('/') || 'not reported'}${v.file !== undefined ? ` (file ${v.file})` : ''}`).join(', ');
  const lines = [
    `Nodes up        ${r.nodesUp} of ${r.nodesTotal}`,
    `Devices mounted ${r.devicesMounted} of ${r.devicesTotal}`,
    `Rings in use    ${rings}`,
    `Replication     last full pass ${age}; ${r.handoffPartitions} handoff partitions left`,
    `Quarantined     ${r.quarantinedFiles} files`,
    `Journal depth   ${r.journalDepth} listing updates waiting`,
  ];
  lines.push(r.problems.length === 0 ? 'Status          healthy' : `Status          ${r.problems.length} problems need the operator:`);
  for (const p of r.problems) lines.push(`  - ${p}`);
  return lines.join('\n');
}
