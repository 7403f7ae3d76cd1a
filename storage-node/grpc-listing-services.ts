/**
 * ContainerService and AccountService handlers over ContainerStore and AccountStore. Container
 * PUT and DELETE tell the account replicas at once (listing-updates.ts); a failure there leaves
 * the container dirty for the updater and does not fail the call.
 */
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { StoreError } from '../common/index.js';
import type * as M from '../cluster/index.js';
import type { GrpcEdge } from './grpc-call.js';
import { containerKey, type ContainerStore, type ContainerKey } from './container-store.js';
import type { AccountStore, AccountKey } from './account-store.js';
import type { ListingUpdates } from './listing-updates.js';
import type { ListOptions } from './listing.js';
import { checkDevice, checkPartition, checkName, checkTimestamp, checkMetadata, checkTargets, type PartCountOf } from './request-validation.js';

export interface ListingServiceDeps {
  containers: ContainerStore;
  accounts: AccountStore;
  updates: ListingUpdates;
  partCount: PartCountOf;
}

const MAX_LIST_LIMIT = 10_000;

function listOptions(req: M.ListRequestMsg): ListOptions {
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const limit = Number(req.limit ?? 0);
  if (!Number.isInteger(limit) || limit < 0 || limit > MAX_LIST_LIMIT) {
    throw new StoreError('INVALID_ARGUMENT', `Cannot list with limit "${String(req.limit)}": 0 to ${MAX_LIST_LIMIT}`);
  }
  return { prefix: str(req.prefix), delimiter: str(req.delimiter), marker: str(req.marker), endMarker: str(req.endMarker), limit, reverse: Boolean(req.reverse) };
}

export function listingServiceHandlers(edge: GrpcEdge, deps: ListingServiceDeps): { container: UntypedServiceImplementation; account: UntypedServiceImplementation } {
  const { containers, accounts, updates, partCount } = deps;
  const cref = (ref: M.ContainerRefMsg | undefined): ContainerKey => {
    if (!ref) throw new StoreError('INVALID_ARGUMENT', 'Cannot use request: no container reference');
    return {
      device: checkDevice(ref.device), partition: checkPartition(ref.partition, 'container', partCount),
      account: checkName(ref.account, 'account'), container: checkName(ref.container, 'container'),
    };
  };
  const aref = (ref: { device: string; partition: number; account: string } | undefined): AccountKey => {
    if (!ref) throw new StoreError('INVALID_ARGUMENT', 'Cannot use request: no account reference');
    return { device: checkDevice(ref.device), partition: checkPartition(ref.partition, 'account', partCount), account: checkName(ref.account, 'account') };
  };
  const tellAccounts = async (ref: ContainerKey) => {
    await updates.sendAccountStats(ref.device, containerKey(ref)).catch(() => false);
  };

  const container: UntypedServiceImplementation = {
    PutContainer: edge.unary('PutContainer', async (req: M.PutContainerRequestMsg): Promise<M.PutContainerResponseMsg> => {
      const ref = cref(req.ref);
      const out = await containers.put(ref, checkTimestamp(req.timestamp), checkMetadata(req.metadata), checkTargets(req.accountUpdates));
      await tellAccounts(ref);
      return out;
    }),
    HeadContainer: edge.unary('HeadContainer', async (ref: M.ContainerRefMsg): Promise<M.ContainerInfoMsg> => containers.head(cref(ref))),
    PostContainer: edge.unary('PostContainer', async (req: M.PostContainerRequestMsg) => {
      await containers.post(cref(req.ref), checkTimestamp(req.timestamp), checkMetadata(req.metadata));
      return {};
    }),
    DeleteContainer: edge.unary('DeleteContainer', async (req: M.DeleteContainerRequestMsg) => {
      const ref = cref(req.ref);
      await containers.delete(ref, checkTimestamp(req.timestamp), checkTargets(req.accountUpdates));
      await tellAccounts(ref);
      return {};
    }),
    ListContainer: edge.unary('ListContainer', async (req: M.ListRequestMsg): Promise<M.ListContainerResponseMsg> => {
      const ref = cref({ device: req.device, partition: req.partition, account: req.account, container: req.container });
      const entries = await containers.list(ref, listOptions(req));
      return { entries: entries.map((e) => ('subdir' in e ? { entry: 'subdir', subdir: e.subdir } : { entry: 'object', object: e.object })) };
    }),
    UpdateContainer: edge.unary('UpdateContainer', async (req: M.UpdateContainerRequestMsg) => {
      if (!Array.isArray(req.rows)) throw new StoreError('INVALID_ARGUMENT', 'Cannot update container: no rows');
      await containers.updateRows(cref(req.ref), req.rows);
      return {};
    }),
  };

  const account: UntypedServiceImplementation = {
    HeadAccount: edge.unary('HeadAccount', async (ref: M.AccountRefMsg): Promise<M.AccountInfoMsg> => accounts.head(aref(ref))),
    PostAccount: edge.unary('PostAccount', async (req: M.PostAccountRequestMsg) => {
      await accounts.post(aref(req.ref), checkTimestamp(req.timestamp), checkMetadata(req.metadata));
      return {};
    }),
    ListAccount: edge.unary('ListAccount', async (req: M.ListRequestMsg): Promise<M.ListAccountResponseMsg> => {
      const entries = await accounts.list(aref({ device: req.device, partition: req.partition, account: req.account }), listOptions(req));
      return { entries: entries.map((e) => ('subdir' in e ? { entry: 'subdir', subdir: e.subdir } : { entry: 'container', container: e.container })) };
    }),
    UpdateAccount: edge.unary('UpdateAccount', async (req: M.UpdateAccountRequestMsg) => {
      if (!Array.isArray(req.rows)) throw new StoreError('INVALID_ARGUMENT', 'Cannot update account: no rows');
      await accounts.updateRows(aref(req.ref), req.rows);
      return {};
    }),
  };
  return { container, account };
}
