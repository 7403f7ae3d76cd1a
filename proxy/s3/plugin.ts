/**
 * The S3 API as a fastify plugin (stub until the S3 area lands). The proxy's app registers it
 * after the Swift routes; it serves every request that is not Swift's (/v1, /auth, /info,
 * /healthcheck).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ObjectCluster } from '../../cluster/index.js';
import type { Logger } from '../../common/index.js';

export interface S3PluginOptions {
  cluster: ObjectCluster;
  /** Finds the secret and account of an access key ("account:user"). */
  lookupCredential(accessKeyId: string): { account: string; user: string; secret: string; roles: string[] } | undefined;
  /** Base domains for virtual-hosted-style addressing, e.g. ["s3.localhost"]. */
  domains: string[];
  /** Region this endpoint signs for, e.g. "us-east-1". */
  region: string;
  log: Logger;
}

export const s3Plugin: FastifyPluginAsync<S3PluginOptions> = async () => {
  // Stub: no routes yet.
};
