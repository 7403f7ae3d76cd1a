/**
 * The S3 error table: every S3 error code the plugin sends with its HTTP status, and the one
 * mapping from Strata's ErrorCode to S3 terms. Handlers throw StoreError (core code) or S3Error
 * (protocol-level checks such as signatures); plugin.ts renders either as an S3 XML error.
 */
import { StoreError, type ErrorCode } from '../../common/index.js';

const TABLE = {
  AccessDenied: [403, 'Access Denied'],
  AuthorizationHeaderMalformed: [400, 'The authorization header is malformed'],
  AuthorizationQueryParametersError: [400, 'Query-string authentication parameters are malformed'],
  BadDigest: [400, 'The Content-MD5 or checksum you specified did not match what we received'],
  BucketAlreadyExists: [409, 'The requested bucket name is not available'],
  BucketAlreadyOwnedByYou: [409, 'Your previous request to create the named bucket succeeded and you already own it'],
  BucketNotEmpty: [409, 'The bucket you tried to delete is not empty'],
  EntityTooLarge: [400, 'Your proposed upload exceeds the maximum allowed object size'],
  EntityTooSmall: [400, 'Your proposed upload is smaller than the minimum allowed object size'],
  ExpiredToken: [400, 'The provided token has expired'],
  IncompleteBody: [400, 'You did not provide the number of bytes specified by the Content-Length HTTP header'],
  InternalError: [500, 'We encountered an internal error. Please try again'],
  InvalidAccessKeyId: [403, 'The AWS access key ID you provided does not exist in our records'],
  InvalidArgument: [400, 'Invalid argument'],
  InvalidBucketName: [400, 'The specified bucket is not valid'],
  InvalidDigest: [400, 'The Content-MD5 you specified is not valid'],
  InvalidPart: [400, 'One or more of the specified parts could not be found'],
  InvalidPartOrder: [400, 'The list of parts was not in ascending order'],
  InvalidRange: [416, 'The requested range is not satisfiable'],
  InvalidRequest: [400, 'Invalid request'],
  KeyTooLongError: [400, 'Your key is too long'],
  MalformedXML: [400, 'The XML you provided was not well-formed or did not validate against our published schema'],
  MetadataTooLarge: [400, 'Your metadata headers exceed the maximum allowed metadata size'],
  MethodNotAllowed: [405, 'The specified method is not allowed against this resource'],
  MissingContentLength: [411, 'You must provide the Content-Length HTTP header'],
  NoSuchBucket: [404, 'The specified bucket does not exist'],
  NoSuchBucketPolicy: [404, 'The bucket policy does not exist'],
  NoSuchCORSConfiguration: [404, 'The CORS configuration does not exist'],
  NoSuchKey: [404, 'The specified key does not exist'],
  NoSuchLifecycleConfiguration: [404, 'The lifecycle configuration does not exist'],
  NoSuchTagSet: [404, 'The TagSet does not exist'],
  NoSuchUpload: [404, 'The specified multipart upload does not exist'],
  NoSuchWebsiteConfiguration: [404, 'The specified bucket does not have a website configuration'],
  NotImplemented: [501, 'A header you provided implies functionality that is not implemented'],
  OperationAborted: [409, 'A conflicting conditional operation is currently in progress against this resource'],
  PreconditionFailed: [412, 'At least one of the preconditions you specified did not hold'],
  RequestHeaderSectionTooLarge: [400, 'Your request header section exceeds the maximum allowed size'],
  RequestTimeTooSkewed: [403, 'The difference between the request time and the current time is too large'],
  RequestTimeout: [400, 'Your socket connection to the server was not read from or written to within the timeout period'],
  ServiceUnavailable: [503, 'Please reduce your request rate'],
  SignatureDoesNotMatch: [403, 'The request signature we calculated does not match the signature you provided'],
  XAmzContentSHA256Mismatch: [400, "The provided 'x-amz-content-sha256' header does not match what was computed"],
} as const satisfies Record<string, readonly [number, string]>;

export type S3ErrorCode = keyof typeof TABLE;

/** An error in S3's own terms; `fields` become extra elements of the XML error document. */
export class S3Error extends Error {
  readonly s3Code: S3ErrorCode;
  readonly status: number;
  readonly fields: Record<string, string>;
  constructor(code: S3ErrorCode, message?: string, fields: Record<string, string> = {}) {
    super(message ?? TABLE[code][1]);
    this.name = 'S3Error';
    this.s3Code = code;
    this.status = TABLE[code][0];
    this.fields = fields;
  }
}

/** How each core ErrorCode reads in S3 when the handler did not translate it itself. */
const FROM_CODE: Record<ErrorCode, S3ErrorCode> = {
  NOT_FOUND: 'NoSuchKey',
  ALREADY_EXISTS: 'PreconditionFailed',
  CONFLICT: 'OperationAborted',
  INVALID_ARGUMENT: 'InvalidArgument',
  PRECONDITION_FAILED: 'PreconditionFailed',
  RANGE_NOT_SATISFIABLE: 'InvalidRange',
  UNAUTHENTICATED: 'AccessDenied',
  PERMISSION_DENIED: 'AccessDenied',
  NO_SPACE: 'ServiceUnavailable',
  NOT_MOUNTED: 'ServiceUnavailable',
  CHECKSUM_MISMATCH: 'BadDigest',
  QUORUM_NOT_MET: 'ServiceUnavailable',
  UNAVAILABLE: 'ServiceUnavailable',
  TIMEOUT: 'RequestTimeout',
  TOO_LARGE: 'EntityTooLarge',
  IN_USE: 'OperationAborted',
  STALE: 'ServiceUnavailable',
  CORRUPT: 'InternalError',
  NOT_IMPLEMENTED: 'NotImplemented',
  INTERNAL: 'InternalError',
};

/**
 * Converts anything thrown to an S3Error. StoreError messages are kept for 4xx codes (they are
 * written for users); 5xx details are hidden and the caller logs the original.
 */
export function toS3Error(err: unknown): S3Error {
  if (err instanceof S3Error) return err;
  if (err instanceof StoreError) {
    const code = FROM_CODE[err.code];
    return TABLE[code][0] < 500 ? new S3Error(code, err.message) : new S3Error(code);
  }
  return new S3Error('InternalError');
}

/** Runs `fn`, turning a NOT_FOUND StoreError into the given S3 error (e.g. NoSuchBucket). */
export async function mapNotFound<T>(fn: () => Promise<T>, code: S3ErrorCode, message?: string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof StoreError && err.code === 'NOT_FOUND') throw new S3Error(code, message);
    throw err;
  }
}
