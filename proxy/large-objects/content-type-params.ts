/**
 * Reserved Content-Type parameters. A large object's manifest is stored with its logical size
 * (`swift_bytes=N`, OpenStack Swift's own convention for SLOs) and, for S3 multipart uploads, its
 * S3 ETag (`s3_etag=<md5>-<parts>`) as parameters of its content type, because a container
 * listing row holds only the stored body's length and MD5. Swift clients never see these
 * parameters: GET/HEAD and listings strip them, and listings report `swift_bytes` as `bytes`
 * (Swift's `override_bytes_from_content_type`).
 */

/** Parameter names kept for the system, compared without case. */
const RESERVED = new Set(['swift_bytes', 's3_etag']);

/** One parameter: `;` then `name=value`, the value a token or a quoted string (may hold `;`). */
const PARAM = /;\s*([^=;\s]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^;]*))?/gy;

export interface CleanedContentType {
  /** The content type without the reserved parameters; other parameters kept as written. */
  contentType: string;
  /** The `swift_bytes` value when present and a whole number of bytes. */
  swiftBytes?: number;
}

/**
 * Splits the reserved parameters off a stored content type. Text it cannot parse as
 * parameters is kept unchanged, so a malformed type is passed through rather than lost.
 */
export function cleanContentType(stored: string): CleanedContentType {
  const semi = stored.indexOf(';');
  if (semi < 0) return { contentType: stored };
  let kept = stored.slice(0, semi).trimEnd();
  let swiftBytes: number | undefined;
  PARAM.lastIndex = semi;
  let end = semi;
  for (let m = PARAM.exec(stored); m !== null && m[0] !== ''; m = PARAM.exec(stored)) {
    end = PARAM.lastIndex;
    const name = m[1]!.toLowerCase();
    if (!RESERVED.has(name)) {
      kept += m[0].trimEnd();
      continue;
    }
    const value = (m[2] ?? '').trim();
    if (name === 'swift_bytes' && /^\d+$/.test(value) && Number.isSafeInteger(Number(value))) swiftBytes = Number(value);
  }
  kept += stored.slice(end);
  return swiftBytes === undefined ? { contentType: kept } : { contentType: kept, swiftBytes };
}
