/**
 * How an S3 or network error becomes a PackStoreUnavailable: the S3 error code (or errno) and HTTP
 * status, whether retrying may help (network, timeouts, 5xx, a checksum refused in transit) or not
 * (a missing bucket, credentials), and the fix. Only codes, statuses and errnos are used: the SDK's
 * own error text can quote the access key id and is never repeated.
 */

/** Error details shared by every PackStoreUnavailable: secret-free, with the retry decision. */
export type Failure = { message: string; fix: string; retryable: boolean; code: string; httpStatus?: number };

/** The S3 error code (or errno, or error name) and HTTP status of an SDK or network error. */
export function errorCode(err: unknown): { code: string; status: number | undefined } {
  if (typeof err !== 'object' || err === null) return { code: 'unknown', status: undefined };
  const e = err as { name?: unknown; code?: unknown; Code?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  // Node network errors carry an errno in `code`; S3 errors carry their code as `name` (and `Code`).
  const errno = typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code) ? e.code : undefined;
  const s3Code = typeof e.Code === 'string' ? e.Code : undefined;
  const name = typeof e.name === 'string' && e.name !== 'Error' ? e.name : undefined;
  return { code: s3Code ?? (name === 'TimeoutError' ? name : (errno ?? name ?? 'unknown')), status };
}

export function isNoSuchKey(err: unknown): boolean {
  const { code, status } = errorCode(err);
  return code === 'NoSuchKey' || (status === 404 && code !== 'NoSuchBucket');
}

const NETWORK_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

const CREDENTIAL_CODES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidToken',
  'ExpiredToken',
  'TokenRefreshRequired',
  'InvalidClientTokenId',
]);

/** Upload refused because the bytes did not match the checksum we sent: damaged in transit. */
const CHECKSUM_CODES = new Set(['BadDigest', 'InvalidDigest', 'XAmzContentChecksumMismatch', 'XAmzContentSHA256Mismatch']);

const FIX_CREDENTIALS =
  'check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) in the worker environment, and that they belong to this S3 service';
const FIX_OUTAGE = 'check that the S3 endpoint (CTXPACK_S3_ENDPOINT, or AWS S3 for CTXPACK_S3_REGION) is up and reachable; retrying may succeed';

/**
 * Decides what a failed S3 call means. Only codes, statuses and errnos go into the result, never the
 * SDK's message: S3's SignatureDoesNotMatch response quotes the access key id, and network errors quote
 * the endpoint.
 */
export function classify(err: unknown, bucket: string): Failure {
  const { code, status } = errorCode(err);
  const http = status !== undefined ? { httpStatus: status } : {};
  // Bodiless answers (HEAD, some proxies) leave the SDK only "Unknown": then the status is all there is.
  const named = code !== 'Unknown' && code !== 'UnknownError' && code !== 'unknown';
  const shown = named ? `${code}${status !== undefined ? ` (HTTP ${status})` : ''}` : status !== undefined ? `HTTP ${status}` : 'unknown error';
  if (code === 'NoSuchBucket') {
    return {
      message: `bucket "${bucket}" does not exist`,
      fix: `create the bucket "${bucket}" (e.g. \`aws s3 mb s3://${bucket}\` or \`mc mb\`), or point --store / CTXPACK_STORE at an existing one`,
      retryable: false,
      code,
      ...http,
    };
  }
  if (CREDENTIAL_CODES.has(code)) {
    return { message: `S3 rejected the credentials: ${shown}`, fix: FIX_CREDENTIALS, retryable: false, code, ...http };
  }
  if (code === 'CredentialsProviderError') {
    return {
      message: 'no AWS credentials were found in the environment or the AWS credential chain',
      fix: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) for the worker',
      retryable: false,
      code,
    };
  }
  if (code === 'AccessDenied' || status === 403) {
    return {
      message: `S3 denied access: ${shown}`,
      fix: `${FIX_CREDENTIALS}; they need s3:GetObject, s3:PutObject, s3:DeleteObject and s3:ListBucket on "${bucket}"`,
      retryable: false,
      code,
      ...http,
    };
  }
  if (code === 'RequestTimeTooSkewed') {
    return { message: `S3 refused the request: ${shown}: this machine's clock is off`, fix: 'synchronise the system clock (NTP)', retryable: false, code, ...http };
  }
  if (CHECKSUM_CODES.has(code)) {
    return { message: `S3 refused the upload: ${shown}: the bytes were damaged in transit`, fix: 'retry; if it persists, check the network path to the S3 endpoint', retryable: true, code, ...http };
  }
  if (code === 'TimeoutError' || code === 'RequestTimeout' || code === 'ETIMEDOUT') {
    return { message: `S3 did not answer in time: ${shown}`, fix: FIX_OUTAGE, retryable: true, code, ...http };
  }
  if (NETWORK_ERRNOS.has(code)) {
    return { message: `cannot reach the S3 endpoint: ${code}`, fix: FIX_OUTAGE, retryable: true, code };
  }
  if (status !== undefined && (status >= 500 || status === 429)) {
    return { message: `S3 failed: ${shown}`, fix: FIX_OUTAGE, retryable: true, code, ...http };
  }
  if (status !== undefined) {
    // Any other 4xx: the request itself is wrong for this service; repeating it will not help.
    return { message: `S3 refused the request: ${shown}`, fix: 'check the store configuration (bucket, prefix, CTXPACK_S3_* settings)', retryable: false, code, ...http };
  }
  // No HTTP answer and no known errno (e.g. a connection dropped mid-body): most likely transient.
  return { message: `the S3 request failed: ${shown}`, fix: FIX_OUTAGE, retryable: true, code };
}
