/**
 * TypeScript shapes of the messages in proto/storage.proto as @grpc/proto-loader delivers them
 * (camelCase, numbers for int64, defaults filled; a oneof's case name in `part` or `entry`).
 */
export interface TargetMsg { ip: string; port: number; device: string; partition: number }

export interface ObjectRefMsg { device: string; partition: number; account: string; container: string; object: string }

export interface ObjectMetaMsg {
  size: number;
  etag: string;
  checksum: string;
  contentType: string;
  timestamp: string;
  metaTimestamp: string;
  deleteAtMs: number;
  metadata: Record<string, string>;
}

export interface PutObjectHeaderMsg {
  ref: ObjectRefMsg;
  contentType: string;
  metadata: Record<string, string>;
  deleteAtMs: number;
  contentLength: number;
  ifNoneMatchAny: boolean;
  containerUpdates: TargetMsg[];
}
export interface PutObjectTrailerMsg { timestamp: string; expectedEtag: string }
export type PutObjectRequestMsg =
  | { part: 'header'; header: PutObjectHeaderMsg }
  | { part: 'chunk'; chunk: Buffer }
  | { part: 'trailer'; trailer: PutObjectTrailerMsg };
export interface PutSmallObjectRequestMsg { header: PutObjectHeaderMsg; body: Buffer; trailer: PutObjectTrailerMsg }
export interface PutObjectResponseMsg { etag: string; size: number; checksum: string }

export interface GetObjectRequestMsg {
  ref: ObjectRefMsg;
  ranged: boolean;
  /** The caller reads a small body inside the head message (older callers expect chunks only). */
  acceptInline?: boolean;
  rangeStart: number;
  rangeEnd: number;
  suffixLength: number;
}
export interface GetObjectHeadMsg {
  meta: ObjectMetaMsg; ranged: boolean; rangeStart: number; rangeEnd: number;
  /** True: the whole body is in `body` and no chunk message follows. */
  inline?: boolean;
  body?: Buffer;
}
export type GetObjectResponseMsg =
  | { part: 'head'; head: GetObjectHeadMsg }
  | { part: 'chunk'; chunk: Buffer };
export interface HeadObjectResponseMsg {
  meta: ObjectMetaMsg;
  /** The replica's file on the node (for operators); '' when the node does not say. */
  dataPath?: string;
}

export interface DeleteObjectRequestMsg { ref: ObjectRefMsg; timestamp: string; containerUpdates: TargetMsg[] }
export interface DeleteObjectResponseMsg { existed: boolean }
export interface PostObjectRequestMsg {
  ref: ObjectRefMsg;
  timestamp: string;
  metadata: Record<string, string>;
  contentType: string;
  deleteAtMs: number;
  containerUpdates: TargetMsg[];
}

export interface ContainerRefMsg { device: string; partition: number; account: string; container: string }
export interface PutContainerRequestMsg {
  ref: ContainerRefMsg;
  timestamp: string;
  metadata: Record<string, string>;
  accountUpdates: TargetMsg[];
}
export interface PutContainerResponseMsg { created: boolean }
export interface ContainerInfoMsg {
  objectCount: number;
  bytesUsed: number;
  putTimestamp: string;
  deleteTimestamp: string;
  metadata: Record<string, string>;
}
export interface PostContainerRequestMsg { ref: ContainerRefMsg; timestamp: string; metadata: Record<string, string> }
export interface DeleteContainerRequestMsg { ref: ContainerRefMsg; timestamp: string; accountUpdates: TargetMsg[] }

export interface ListRequestMsg {
  device: string;
  partition: number;
  account: string;
  container: string;
  prefix: string;
  delimiter: string;
  marker: string;
  endMarker: string;
  limit: number;
  reverse: boolean;
}
export interface ObjectRowMsg { name: string; size: number; etag: string; contentType: string; timestamp: string; deleted: boolean }
export type ObjectListEntryMsg = { entry: 'object'; object: ObjectRowMsg } | { entry: 'subdir'; subdir: string };
export interface ListContainerResponseMsg { entries: ObjectListEntryMsg[] }
export interface UpdateContainerRequestMsg { ref: ContainerRefMsg; rows: ObjectRowMsg[] }

export interface AccountRefMsg { device: string; partition: number; account: string }
export interface AccountInfoMsg { containerCount: number; objectCount: number; bytesUsed: number; metadata: Record<string, string> }
export interface PostAccountRequestMsg { ref: AccountRefMsg; timestamp: string; metadata: Record<string, string> }
export interface ContainerRowMsg {
  name: string;
  objectCount: number;
  bytesUsed: number;
  putTimestamp: string;
  deleteTimestamp: string;
  statsTimestamp: string;
  deleted: boolean;
}
export type AccountListEntryMsg = { entry: 'container'; container: ContainerRowMsg } | { entry: 'subdir'; subdir: string };
export interface ListAccountResponseMsg { entries: AccountListEntryMsg[] }
export interface UpdateAccountRequestMsg { ref: AccountRefMsg; rows: ContainerRowMsg[] }

export interface DeviceStatusMsg { name: string; path: string; mounted: boolean; totalBytes: number; freeBytes: number }
export interface NodeInfoResponseMsg {
  nodeId: string;
  ringVersions: Record<string, number>;
  devices: DeviceStatusMsg[];
  uptimeMs: number;
  /** Durability workers' counters (absent from nodes without them). */
  workers?: WorkerStatsMsg[];
  journalDepth?: number;
  quarantinedFiles?: number;
}

// ---- Replication (ReplicationService) ----
export interface SuffixHashesRequestMsg {
  device: string; partition: number; suffixes: string[]; recalculate: boolean;
  /** Digest of the caller's hashes of the whole partition (partitionDigest()); '' or absent: unknown. */
  callerDigest?: string;
}
export interface SuffixHashesResponseMsg { hashes: Record<string, string> }
export interface ListSuffixRequestMsg { device: string; partition: number; suffix: string }
export interface HashFilesMsg { hash: string; files: string[] }
export interface ListSuffixResponseMsg { objects: HashFilesMsg[] }
export interface PushFileHeaderMsg { device: string; partition: number; hash: string; fileName: string; size: number }
export type PushFileRequestMsg = { part: 'header'; header: PushFileHeaderMsg } | { part: 'chunk'; chunk: Buffer };
export interface PushFileResponseMsg { applied: boolean }
export interface RunWorkerRequestMsg { worker: string }
export interface RunWorkerResponseMsg { result: string }
/** Counters of one durability worker; a "pass" is a full walk of the node's data. */
export interface WorkerStatsMsg {
  worker: string;
  /** Full passes completed since start. */
  passes: number;
  /** When the last full pass ended (ms since the epoch); 0: none yet. */
  lastPassEndMs: number;
  lastPassDurationMs: number;
  partitionsSynced: number;
  objectsSynced: number;
  bytesMoved: number;
  quarantined: number;
  /** Calls or files that failed (retried next pass). */
  failures: number;
  /** Handoff partitions still on this node after the last pass. */
  handoffsLeft: number;
}
export interface DurabilityStatusResponseMsg { workers: WorkerStatsMsg[]; journalDepth: number; quarantinedFiles: number }
export interface ListingDigestsRequestMsg { device: string; partition: number; kind: string }
export interface ListingDigestsResponseMsg { digests: Record<string, string> }
export interface TimedValueMsg { value: string; timestamp: string }
export interface MergeListingRequestMsg {
  device: string;
  partition: number;
  kind: string;
  account: string;
  container: string;
  putTimestamp: string;
  deleteTimestamp: string;
  metadata: Record<string, TimedValueMsg>;
  objectRows: ObjectRowMsg[];
  containerRows: ContainerRowMsg[];
}

// ---- Data movement (MovementService) ----
export type RingName = 'account' | 'container' | 'object' | 'block';
export interface PushRingRequestMsg { name: string; data: Buffer; force: boolean }
export interface PushRingResponseMsg { version: number; applied: boolean }
export interface GetRingRequestMsg { name: string }
export interface GetRingResponseMsg { name: string; version: number; data: Buffer }
/** Data-movement control of one node: its byte rate for handoff pushes (0: unlimited), paused. */
export interface MovementControlMsg { maxBytesPerSec: number; paused: boolean }
/** One device's fill and what is still to move off it. */
export interface DeviceUsageMsg {
  device: string;
  mounted: boolean;
  capacityBytes: number;
  usedBytes: number;
  freeBytes: number;
  objectBytes: number;
  objectFiles: number;
  objectPartitions: number;
  /** Object partitions held where this device is not a primary (waiting to move). */
  handoffPartitions: number;
  handoffBytes: number;
  handoffFiles: number;
  listingHandoffPartitions: number;
}
export interface MovementStatusResponseMsg {
  nodeId: string;
  ringVersions: Record<string, number>;
  devices: DeviceUsageMsg[];
  control: MovementControlMsg;
  /** Counters since the process started. */
  movedBytes: number;
  movedPartitions: number;
  movedListingPartitions: number;
  startedMs: number;
  clientRequestsInFlight: number;
}
export interface PartitionUsageRequestMsg { device: string }
export interface PartitionBytesMsg { device: string; partition: number; bytes: number; files: number }
export interface PartitionUsageResponseMsg { partitions: PartitionBytesMsg[] }
