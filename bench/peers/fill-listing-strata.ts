#!/usr/bin/env node
/**
 * `node dist/bench/peers/fill-listing-strata.js --data DIR --endpoint URL [--objects 100000]`:
 * prepares the list-100k scenario's container on a Strata all-in-one without storing objects.
 * A listing reads only the container replicas' rows, and PUTting 100,000 objects takes an hour
 * on a loaded 2-core machine, so the rows (names o00000000…, 16 bytes each, as run.js names
 * them) go straight to the container replicas with UpdateContainer, 1,000 per call — the call
 * a storage node makes after every object write. Then the scenario's marker object is PUT, so
 * run.js skips its own preparation. fill-listing-swift.py does the same for the Swift peer.
 */
import { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ring } from '../../ring/index.js';
import { DEFAULT_NODE_CLIENT_CONFIG, NodeClient, ringPath } from '../../cluster/index.js';

const ETAG = 'd41d8cd98f00b204e9800998ecf8427e';
const ROWS_PER_CALL = 1000;

async function main(): Promise<void> {
  const o = new Command('fill-listing-strata')
    .requiredOption('--data <dir>', 'the all-in-one data folder (rings/, nodes/n1.json)')
    .requiredOption('--endpoint <url>', 'proxy URL')
    .option('--objects <n>', 'rows to write', '100000')
    .option('--user <account:user>', 'Swift user', 'test:tester')
    .option('--key <key>', 'Swift key', 'testing')
    .parse().opts<{ data: string; endpoint: string; objects: string; user: string; key: string }>();
  const n = Number(o.objects);
  const account = `AUTH_${o.user.split(':')[0]}`;
  const container = `bench-list-${n}`;
  const auth = await fetch(`${o.endpoint}/auth/v1.0`, { headers: { 'x-storage-user': o.user, 'x-storage-pass': o.key } });
  const token = auth.headers.get('x-auth-token') ?? '';
  const put = await fetch(`${o.endpoint}/v1/${account}/${container}`, { method: 'PUT', headers: { 'x-auth-token': token } });
  if (put.status >= 300) throw new Error(`PUT container answered ${put.status}`);
  const secret = (JSON.parse(await readFile(join(o.data, 'nodes', 'n1.json'), 'utf8')) as { peerSecret: string }).peerSecret;
  const ring = await Ring.load(join(o.data, 'rings', 'container.ring.gz'));
  const partition = ring.partOf(ringPath(account, container));
  const timestamp = `${Math.floor(Date.now() / 1000)}.00000`;
  const started = Date.now();
  await Promise.all(ring.primaries(partition).map(async (d) => {
    const client = new NodeClient(d.ip, d.port, { ...DEFAULT_NODE_CLIENT_CONFIG, peerSecret: secret });
    try {
      for (let i = 0; i < n; i += ROWS_PER_CALL) {
        const rows = [];
        for (let j = i; j < Math.min(n, i + ROWS_PER_CALL); j++) {
          rows.push({ name: `o${String(j).padStart(8, '0')}`, size: 16, etag: ETAG, contentType: 'application/octet-stream', timestamp, deleted: false });
        }
        await client.updateContainer({ ref: { device: d.device, partition, account, container }, rows }, { timeoutMs: 60_000 });
      }
    } finally {
      client.close();
    }
  }));
  const marker = await fetch(`${o.endpoint}/v1/${account}/${container}/_prepared_${n}_16`, { method: 'PUT', headers: { 'x-auth-token': token, etag: ETAG }, body: '' });
  if (marker.status !== 201) throw new Error(`PUT marker answered ${marker.status}`);
  process.stdout.write(`${n} rows in ${container} on ${ring.primaries(partition).length} replicas in ${Date.now() - started} ms\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`fill-listing-strata: ${(err as Error).message}\n`);
  process.exit(1);
});
