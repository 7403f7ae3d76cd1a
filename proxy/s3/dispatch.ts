/**
 * Picks the S3 operation for a request from method, bucket/key presence and sub-resource query
 * parameters, the way S3 does (e.g. "POST /b/k?uploads" is CreateMultipartUpload).
 */
import type { S3Context } from './context.js';
import { S3Error } from './errors.js';
import { createBucket, deleteBucket, headBucket } from './routes-bucket.js';
import { bucketConfigGet, bucketConfigPut, bucketConfigDelete, BUCKET_CONFIG_PARAMS, getObjectAcl, putObjectAcl } from './routes-config.js';
import { copyObject } from './routes-copy.js';
import { deleteObjects } from './routes-delete-objects.js';
import { listBuckets, listObjects, listObjectVersions } from './routes-list.js';
import {
  abortMultipartUpload, completeMultipartUpload, createMultipartUpload, listMultipartUploads, listParts, uploadPart,
} from './routes-multipart.js';
import { deleteObject, getObject, headObject, putObject } from './routes-object.js';

type Op = (ctx: S3Context) => Promise<void>;

/** @throws S3Error for anything it cannot serve; handlers' own errors pass through */
export async function dispatch(ctx: S3Context): Promise<void> {
  const op = pick(ctx);
  if (!ctx.identity && !ANONYMOUS_OK.has(op)) throw new S3Error('AccessDenied');
  await op(ctx);
}

/** Operations an anonymous request may attempt (they still check public-read themselves). */
const ANONYMOUS_OK = new Set<Op>([getObject, headObject, listObjects, headBucket]);

function pick(ctx: S3Context): Op {
  const method = ctx.request.method;
  const q = ctx.query;
  if (method === 'OPTIONS') throw new S3Error('AccessDenied', 'CORSResponse: CORS is not enabled for this bucket');
  if (ctx.bucket === undefined) {
    if (method === 'GET') return listBuckets;
    throw new S3Error('MethodNotAllowed');
  }
  if (ctx.key === undefined) return bucketOp(method, q);
  switch (method) {
    case 'GET':
      if (q.has('uploadId')) return listParts;
      if (q.has('acl')) return getObjectAcl;
      if (q.has('tagging')) return bucketConfigGet;
      return getObject;
    case 'HEAD':
      return headObject;
    case 'PUT':
      if (q.has('uploadId') || q.has('partNumber')) return uploadPart;
      if (q.has('acl')) return putObjectAcl;
      if (q.has('tagging')) return bucketConfigPut;
      if (ctx.request.headers['x-amz-copy-source'] !== undefined) return copyObject;
      return putObject;
    case 'DELETE':
      if (q.has('uploadId')) return abortMultipartUpload;
      if (q.has('tagging')) return bucketConfigDelete;
      return deleteObject;
    case 'POST':
      if (q.has('uploads')) return createMultipartUpload;
      if (q.has('uploadId')) return completeMultipartUpload;
      throw new S3Error('MethodNotAllowed');
    default:
      throw new S3Error('MethodNotAllowed');
  }
}

function bucketOp(method: string, q: Map<string, string>): Op {
  const config = BUCKET_CONFIG_PARAMS.some((p) => q.has(p));
  switch (method) {
    case 'GET':
      if (q.has('uploads')) return listMultipartUploads;
      if (q.has('versions')) return listObjectVersions;
      if (config) return bucketConfigGet;
      return listObjects;
    case 'HEAD':
      return headBucket;
    case 'PUT':
      return config ? bucketConfigPut : createBucket;
    case 'DELETE':
      return config ? bucketConfigDelete : deleteBucket;
    case 'POST':
      if (q.has('delete')) return deleteObjects;
      throw new S3Error('MethodNotAllowed');
    default:
      throw new S3Error('MethodNotAllowed');
  }
}
