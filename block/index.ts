/**
 * block/: replicated, thin, snapshot-able volumes over the cluster's extent service, and the NBD
 * gateway that exports them. May import common/, ring/ and cluster/ only.
 */
export { startBlockGateway, type BlockGateway, type BlockGatewayOptions } from './block-gateway.js';
export { VolumeManager, type VolumeDetails } from './volume-manager.js';
export type { VolumeRecord, SnapshotRecord, Catalog } from './volume-catalog.js';
export { DEFAULT_EXTENT_BYTES } from './volume-catalog.js';
export { ReplicatedVolume } from './replicated-volume.js';
export { connectVolumeManager, type VolumeAdmin } from './connect-volumes.js';
