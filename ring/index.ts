/**
 * ring/: placement. The Ring (read side: partition of a path, primaries, handoffs, reload) and
 * the RingBuilder (operator side: devices, rebalance, builder and ring files). Pure: no network,
 * no I/O beyond its own files. May import common/ only.
 */
export type { Device } from './device.js';
export { MAX_DEVICE_ID, NO_DEVICE, deviceLabel, checkDevice } from './device.js';
export { Ring, ringFilePath } from './ring.js';
export { RingWatcher } from './ring-watcher.js';
export { RingBuilder, type RebalanceReport } from './builder.js';
export { encodeRing, decodeRing, type RingData } from './ring-codec.js';
export { computeBalance, computeDispersion, type BalanceReport, type DispersionReport } from './dispersion.js';
export { validatePlacement, type Violation } from './validate.js';
export { TIER_NAMES, type TierName } from './topology.js';
export { parseDeviceSpec } from './device-spec.js';
export { formatTable, formatDevices, describeLayout, describeDispersion, formatDispersionDetail } from './report-format.js';
export { addLayout, addRandomLayout, type LayoutShape } from './test-layouts.js';
export { diffPlacement, groupMoves, partitionsBelowQuorum, type RingDiff, type MoveGroup } from './ring-diff.js';
