/**
 * S3Context: what every S3 operation handler receives: the dependencies, the authenticated
 * identity, the addressed bucket and key, the decoded query, and the fastify request/reply.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ObjectCluster } from '../../cluster/index.js';
import type { Clock, Logger } from '../../common/index.js';
import type { Identity, PayloadMode } from './auth.js';
import type { BucketRegistry } from './bucket-registry.js';

export interface S3Deps {
  cluster: ObjectCluster;
  registry: BucketRegistry;
  clock: Clock;
  region: string;
  log: Logger;
}

export interface S3Context {
  deps: S3Deps;
  request: FastifyRequest;
  reply: FastifyReply;
  requestId: string;
  identity: Identity | null;
  payload: PayloadMode;
  bucket?: string;
  key?: string;
  /** Decoded query parameters (first value of each name). */
  query: Map<string, string>;
}

/** One request header as a string (first value), or undefined. */
export function header(ctx: S3Context, name: string): string | undefined {
  const v = ctx.request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The Owner element of listings and ACLs: the storage account is both the ID and the name. */
export function ownerOf(account: string): { ID: string; DisplayName: string } {
  return { ID: account, DisplayName: account };
}

/** The segments container holding the parts of a bucket's multipart uploads. */
export function segmentsContainer(bucket: string): string {
  return `${bucket}+segments`;
}
