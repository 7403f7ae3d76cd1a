/**
 * ReplicationService handlers (cluster/proto/storage.proto): suffix hashes and suffix listings
 * for peers' replicators, PushFile to receive a replica's file with its original name, and two
 * operator calls: RunWorker (one full pass of a worker now, for tests and `strata cluster`
 * tools) and DurabilityStatus (worker counters, journal depth, quarantined files).
 */
import type { ServerReadableStream, UntypedServiceImplementation } from '@grpc/grpc-js';
import { StoreError } from '../common/index.js';
import type * as M from '../cluster/index.js';
import type { GrpcEdge } from './grpc-call.js';
import type { Devices } from './devices.js';
import type { SuffixHashCache } from './suffix-hash-cache.js';
import { listSuffix, receiveFile, HASH_RE, SUFFIX_RE, parseFileName } from './replica-files.js';
import { checkDevice, checkPartition, checkName, type PartCountOf } from './request-validation.js';
import type { MetaDbs } from './meta-db.js';
import type { ContainerStore } from './container-store.js';
import type { AccountStore } from './account-store.js';
import { listingDigests, mergeListing } from './listing-sync.js';

/** Largest file a peer may push (bytes): a guard against a corrupt size field. */
const MAX_PUSH_BYTES = 64 * 1024 ** 3;

export interface ReplicationServiceDeps {
  devices: Devices;
  cache: SuffixHashCache;
  partCount: PartCountOf;
  dbs: MetaDbs;
  containers: ContainerStore;
  accounts: AccountStore;
  /** Runs a full pass of the named worker. @throws INVALID_ARGUMENT for an unknown name */
  runWorker: (name: string) => Promise<string>;
  status: () => Promise<M.DurabilityStatusResponseMsg>;
  /**
   * A peer looked at a partition: `callerDigest` is the digest of its whole partition's hashes
   * ('' when it sent none, or asked for some suffixes only: it found differences), `ours` this
   * node's answer (peer-agreements.ts).
   */
  peerAsked?: (device: string, partition: number, callerDigest: string, ours: ReadonlyMap<string, string>) => void;
}

function checkKind(kind: unknown): 'container' | 'account' {
  if (kind !== 'container' && kind !== 'account') throw new StoreError('INVALID_ARGUMENT', `Cannot use listing kind "${String(kind)}"`);
  return kind;
}

function checkSuffix(s: unknown): string {
  if (typeof s !== 'string' || !SUFFIX_RE.test(s)) throw new StoreError('INVALID_ARGUMENT', `Cannot use suffix "${String(s)}": not 3 hex digits`);
  return s;
}

export function replicationServiceHandlers(edge: GrpcEdge, deps: ReplicationServiceDeps): UntypedServiceImplementation {
  const { devices, cache, partCount } = deps;

  const pushFile = async (call: ServerReadableStream<M.PushFileRequestMsg, M.PushFileResponseMsg>): Promise<M.PushFileResponseMsg> => {
    const it = call[Symbol.asyncIterator]() as AsyncIterator<M.PushFileRequestMsg>;
    const first = await it.next();
    if (first.done || first.value.part !== 'header') throw new StoreError('INVALID_ARGUMENT', 'Cannot receive file: the stream must start with a header');
    const h = first.value.header;
    const device = checkDevice(h.device);
    const partition = checkPartition(h.partition, 'object', partCount);
    if (!HASH_RE.test(h.hash) || !parseFileName(h.fileName)) throw new StoreError('INVALID_ARGUMENT', `Cannot receive "${h.hash}/${h.fileName}": bad hash or file name`);
    if (!Number.isInteger(h.size) || h.size < 0 || h.size > MAX_PUSH_BYTES) throw new StoreError('INVALID_ARGUMENT', `Cannot receive "${h.hash}/${h.fileName}": bad size ${h.size}`);
    const root = await devices.writableRoot(device, h.size);
    async function* body(): AsyncGenerator<Uint8Array> {
      for (let next = await it.next(); !next.done; next = await it.next()) {
        if (next.value.part !== 'chunk') throw new StoreError('INVALID_ARGUMENT', 'Cannot receive file: a second header in the stream');
        yield next.value.chunk;
      }
    }
    const applied = await receiveFile(root, partition, h.hash, h.fileName, h.size, body());
    if (applied) cache.invalidate(device, partition, h.hash.slice(-3));
    return { applied };
  };

  return {
    GetSuffixHashes: edge.unary('GetSuffixHashes', async (req: M.SuffixHashesRequestMsg): Promise<M.SuffixHashesResponseMsg> => {
      const device = checkDevice(req.device);
      const partition = checkPartition(req.partition, 'object', partCount);
      const only = (req.suffixes ?? []).map(checkSuffix);
      const ours = await cache.hashes(device, partition, only, Boolean(req.recalculate));
      deps.peerAsked?.(device, partition, only.length === 0 ? req.callerDigest ?? '' : '', ours);
      return { hashes: Object.fromEntries(ours) };
    }),
    ListSuffix: edge.unary('ListSuffix', async (req: M.ListSuffixRequestMsg): Promise<M.ListSuffixResponseMsg> => {
      const device = checkDevice(req.device);
      const partition = checkPartition(req.partition, 'object', partCount);
      const root = await devices.root(device);
      const found = await listSuffix(root, partition, checkSuffix(req.suffix));
      return { objects: [...found].map(([hash, files]) => ({ hash, files })) };
    }),
    PushFile: edge.clientStream('PushFile', pushFile),
    ListingDigests: edge.unary('ListingDigests', async (req: M.ListingDigestsRequestMsg): Promise<M.ListingDigestsResponseMsg> => {
      const kind = checkKind(req.kind);
      const partition = checkPartition(req.partition, kind, partCount);
      const d = await deps.dbs.get(checkDevice(req.device));
      return { digests: Object.fromEntries(await listingDigests(d, partition, kind)) };
    }),
    MergeListing: edge.unary('MergeListing', async (req: M.MergeListingRequestMsg): Promise<Record<string, never>> => {
      const kind = checkKind(req.kind);
      const partition = checkPartition(req.partition, kind, partCount);
      checkDevice(req.device);
      checkName(req.account, 'account');
      if (kind === 'container') checkName(req.container, 'container');
      await mergeListing({ ...req, objectRows: req.objectRows ?? [], containerRows: req.containerRows ?? [], metadata: req.metadata ?? {} }, deps, partition);
      return {};
    }),
    RunWorker: edge.unary('RunWorker', async (req: M.RunWorkerRequestMsg): Promise<M.RunWorkerResponseMsg> => ({ result: await deps.runWorker(req.worker) })),
    DurabilityStatus: edge.unary('DurabilityStatus', () => deps.status()),
  };
}
