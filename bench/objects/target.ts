/**
 * The API-neutral view of an object endpoint the scenarios drive: a Swift account or an S3
 * service, with one container (bucket) per scenario run.
 */
import type { Readable } from 'node:stream';

export type ApiName = 'swift' | 's3';

/** Result of a GET: bytes received and their MD5 (hex). */
export interface FetchedObject { bytes: number; md5: string }

/** One page of a listing. */
export interface ListPage { names: string[]; next?: string }

export interface ObjectTarget {
  readonly api: ApiName;
  /** Authenticates (Swift) and creates the container if missing. */
  open(container: string): Promise<void>;
  /** Stores an object; `md5` (hex) is what the server must answer as ETag. */
  put(name: string, body: Buffer | Readable, size: number, md5: string): Promise<void>;
  get(name: string): Promise<FetchedObject>;
  /** Returns the content length the server reports. */
  head(name: string): Promise<number>;
  /** Deletes; a missing object is not an error. */
  delete(name: string): Promise<void>;
  /** One page of names after `marker` (exclusive), at most `limit`. */
  list(marker: string | undefined, limit: number): Promise<ListPage>;
}

/** Where the endpoint is and who we are. */
export interface TargetOptions {
  endpoint: string;
  user: string;
  key: string;
  region: string;
  requestTimeoutMs: number;
  concurrency: number;
}
