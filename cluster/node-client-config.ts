/**
 * Settings shared by every NodeClient: the peer credential and the time limits that bound each
 * call. Kept apart from the client so proxies, storage nodes and tools can build it from their own
 * config files.
 */
import { randomUUID } from 'node:crypto';
import { Metadata } from '@grpc/grpc-js';
import { PEER_METADATA_KEY, REQUEST_ID_METADATA_KEY } from './storage-proto.js';
import { currentRequestId } from './request-context.js';

export interface NodeClientConfig {
  /** The cluster secret sent as "x-strata-peer" on every call. */
  peerSecret: string;
  /** How long to wait for a connection before a node counts as down (ms). */
  connectTimeoutMs: number;
  /** Deadline of a unary call, and of the reply after a stream's last message (ms). */
  nodeTimeoutMs: number;
  /** Longest wait for the next chunk of a stream, or for a full stream to drain (ms). */
  chunkTimeoutMs: number;
  /** HTTP/2 keepalive ping interval on idle-free connections (ms); 0 disables. */
  keepaliveMs: number;
}

export const DEFAULT_NODE_CLIENT_CONFIG: Omit<NodeClientConfig, 'peerSecret'> = Object.freeze({
  connectTimeoutMs: 2_000,
  nodeTimeoutMs: 10_000,
  chunkTimeoutMs: 30_000,
  keepaliveMs: 60_000,
});

/** Per-call options. */
export interface NodeCallOptions {
  /** Sent as "x-request-id" so node logs join the proxy's; default: the current request id
   * (request-context.ts), else a new one. */
  requestId?: string;
  /** Overrides the config's deadline for this call (ms). */
  timeoutMs?: number;
  /** Aborting cancels the call; the promise rejects with UNAVAILABLE. */
  signal?: AbortSignal;
}

/** The metadata every call carries. */
export function callMetadata(config: NodeClientConfig, opts: NodeCallOptions | undefined): Metadata {
  const md = new Metadata();
  md.set(PEER_METADATA_KEY, config.peerSecret);
  md.set(REQUEST_ID_METADATA_KEY, opts?.requestId ?? currentRequestId() ?? randomUUID());
  return md;
}

/**
 * Channel options: keepalive so a dead peer is noticed on an idle pooled connection, a wide
 * receive window for streamed bodies, and a short reconnect backoff so a restarted node is used again within seconds, not grpc's default minutes.
 */
export function channelOptions(config: NodeClientConfig): Record<string, number> {
  const opts: Record<string, number> = {
    'grpc.initial_reconnect_backoff_ms': 250,
    'grpc.min_reconnect_backoff_ms': 250,
    'grpc.max_reconnect_backoff_ms': 2_000,
    'grpc.max_receive_message_length': 16 * 1024 * 1024,
    'grpc.max_send_message_length': 16 * 1024 * 1024,
    // Receive window of the connection and of each stream: GET bodies arrive in 256 KiB chunks,
    // and HTTP/2's default 64 KiB window stalled every chunk on window updates.
    'grpc-node.flow_control_window': 8 * 1024 * 1024,
    // Per-call bookkeeping nobody reads: channelz tracing, and the retry layer that copies every
    // message into a replay buffer (Strata retries on another replica itself).
    'grpc.enable_channelz': 0,
    'grpc.enable_retries': 0,
  };
  if (config.keepaliveMs > 0) {
    opts['grpc.keepalive_time_ms'] = config.keepaliveMs;
    opts['grpc.keepalive_timeout_ms'] = Math.max(1_000, config.nodeTimeoutMs);
  }
  return opts;
}
