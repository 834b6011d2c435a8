/**
 * S3's naming rules for the parts of an `s3://bucket/prefix` store spec, checked before any request
 * so that a bad spec is a clear input error rather than a server's refusal.
 */

/** S3's bucket naming rules (general purpose buckets), minus the rarely used legacy forms. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** What is wrong with a bucket name, or undefined when S3 accepts it. */
export function bucketNameProblem(bucket: string): string | undefined {
  if (!BUCKET_NAME.test(bucket)) {
    return 'must be 3-63 characters of lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit';
  }
  if (bucket.includes('..')) return 'must not contain two adjacent dots';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(bucket)) return 'must not look like an IP address';
  return undefined;
}

/** One prefix segment: AWS's "safe" key characters, so a prefix means the same to every S3 service. */
const PREFIX_SEGMENT = /^[A-Za-z0-9!_.*'()-]+$/;

/** What is wrong with a key prefix (already stripped of outer slashes), or undefined. */
export function prefixProblem(prefix: string): string | undefined {
  if (prefix === '') return undefined;
  if (prefix.length > 512) return 'is longer than 512 characters';
  for (const segment of prefix.split('/')) {
    if (segment === '') return 'has an empty segment ("//")';
    if (segment === '.' || segment === '..') return `has a "${segment}" segment`;
    if (!PREFIX_SEGMENT.test(segment)) return 'may only use letters, digits and ! _ . * \' ( ) - between slashes';
  }
  return undefined;
}
