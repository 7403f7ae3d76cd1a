/**
 * Loads the block-extent contract (proto/block.proto) once and exposes the service definition
 * for grpc-js servers and clients, plus TypeScript shapes of its messages. Field names are
 * camelCase, 64-bit integers plain numbers (generations and counters stay far below 2^53),
 * defaults filled.
 */
import { fileURLToPath } from 'node:url';
import { loadSync } from '@grpc/proto-loader';
import {
  loadPackageDefinition, makeClientConstructor, type MethodDefinition, type ServiceDefinition, type ServiceClientConstructor, type GrpcObject,
} from '@grpc/grpc-js';
import { decodeIoBatch, decodeIoResponseBatch, encodeIoBatch, encodeIoResponseBatch } from './block-io-codec.js';
import type { ExtentRef, ExtentState, IoRequestMessage, IoResponseMessage } from './block-io-messages.js';

const PROTO_PATH = fileURLToPath(new URL('./proto/block.proto', import.meta.url));

const packageDefinition = loadSync(PROTO_PATH, {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
});

const grpcObject = loadPackageDefinition(packageDefinition) as unknown as { strata: { block: GrpcObject } };

/**
 * Reusable encode buffer for Io responses. Safe because grpc-js's server copies a serialized
 * response into its framed message inside the same synchronous call (serializeMessage), so the
 * bytes are out before the next response is encoded. It spares the node one 1 MiB allocation per
 * extent read, and with it most of the garbage collections that large buffers trigger.
 */
let scratch = Buffer.allocUnsafe(0);
const SCRATCH_MAX_BYTES = 4 * 1024 * 1024;
function responseScratch(size: number): Buffer {
  if (size > SCRATCH_MAX_BYTES) return Buffer.allocUnsafe(size);
  if (scratch.length < size) scratch = Buffer.allocUnsafe(Math.max(size, 64 * 1024));
  return scratch;
}

const generated = (grpcObject.strata.block.ExtentService as ServiceClientConstructor).service;

/**
 * The service as generated from block.proto, except that the Io stream (the data path) uses the
 * hand-written codec of block-io-codec.ts: same wire format, fewer copies and objects. Its
 * messages are arrays: one IoBatch is `IoRequestMessage[]`, one IoResponseBatch
 * `IoResponseMessage[]`.
 */
export const extentServiceDefinition: ServiceDefinition = {
  ...generated,
  Io: {
    ...(generated.Io as MethodDefinition<unknown, unknown>),
    requestSerialize: (batch: IoRequestMessage[]) => encodeIoBatch(batch),
    requestDeserialize: (buf: Buffer) => decodeIoBatch(buf),
    responseSerialize: (batch: IoResponseMessage[]) => encodeIoResponseBatch(batch, responseScratch),
    responseDeserialize: (buf: Buffer) => decodeIoResponseBatch(buf),
  } as MethodDefinition<IoRequestMessage[], IoResponseMessage[]>,
};
export const ExtentServiceClient = makeClientConstructor(extentServiceDefinition, 'strata.block.ExtentService');

/** Largest data payload of one extent RPC; bigger requests are split by the caller. */
export const MAX_EXTENT_RPC_BYTES = 1024 * 1024;

export type { ExtentRef, ExtentState, ExtentWriteRequest, ExtentReadRequest, ExtentReadResponse, IoRequestMessage, IoResponseMessage, FlushRequest } from './block-io-messages.js';
export interface StatRequest { refs: ExtentRef[] }
export interface StatResponse { states: ExtentState[] }
export interface SetGenerationRequest { ref: ExtentRef; expected: number; generation: number }
export interface ReplaceRequest { ref: ExtentRef; generation: number; data: Buffer; zeroed: boolean }
export interface LayerRequest { device: string; layer: string }
export interface ListLayerResponse { indexes: number[]; bytes: number; zeroedIndexes: number[] }
export interface DeleteExtentsRequest { device: string; layer: string; indexes: number[] }
export interface DeleteExtentsResponse { deleted: number }
export interface Ballot { counter: number; proposer: string }
export interface PrepareRequest { device: string; key: string; ballot: Ballot }
export interface PrepareResponse { ok: boolean; promised: Ballot; accepted: Ballot; value: string }
export interface AcceptRequest { device: string; key: string; ballot: Ballot; value: string }
export interface AcceptResponse { ok: boolean; promised: Ballot }

/** Orders ballots: counter first, then proposer id. Negative when a < b. */
export function compareBallots(a: Ballot, b: Ballot): number {
  if (a.counter !== b.counter) return a.counter - b.counter;
  return a.proposer < b.proposer ? -1 : a.proposer > b.proposer ? 1 : 0;
}

const LAYER_RE = /^[a-z0-9-]{1,64}$/;

/** True when `layer` is a well-formed layer id (it becomes a folder name on the nodes). */
export function isLayerId(layer: string): boolean {
  return LAYER_RE.test(layer);
}
