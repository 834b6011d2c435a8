/**
 * S3 store configuration: a spec `s3://bucket[/prefix]` (from `--store` or `CTXPACK_STORE`) plus
 * `CTXPACK_S3_ENDPOINT`, `CTXPACK_S3_REGION` (default us-east-1) and `CTXPACK_S3_FORCE_PATH_STYLE`
 * (default true when an endpoint is set, since self-hosted services rarely do virtual-host
 * addressing). Credentials are never part of it: they come from the environment / the AWS chain.
 *
 * Error messages never repeat a spec or an endpoint that carries `user:password@`.
 */
import { PackSchemaInvalid } from '../../core/errors.js';
import { bucketNameProblem, prefixProblem } from './s3-names.js';
import { S3PackStore, type S3PackStoreOptions } from './s3-store.js';

/** Everything needed to open an S3 store, minus credentials. */
export interface S3StoreConfig {
  readonly bucket: string;
  /** Without outer slashes; empty for none. */
  readonly prefix: string;
  readonly region: string;
  readonly endpoint?: string;
  readonly forcePathStyle: boolean;
}

const DEFAULT_REGION = 'us-east-1';

/**
 * Parses `s3://bucket[/prefix]` and the `CTXPACK_S3_*` variables of `env`.
 *
 * @param source names where the spec came from in messages, e.g. `--store` or `CTXPACK_STORE`.
 * @throws PackSchemaInvalid naming the part that is wrong (never echoing credentials).
 */
export function parseS3Spec(spec: string, env: NodeJS.ProcessEnv = process.env, source = '--store'): S3StoreConfig {
  const invalid = (what: string, fix: string, details: Record<string, unknown> = {}): PackSchemaInvalid =>
    new PackSchemaInvalid(`${source}: ${what}`, fix, { source, scheme: 's3', ...details });

  const match = /^s3:\/\/([^/?#]*)(\/[^?#]*)?([?#].*)?$/i.exec(spec);
  if (!match) throw invalid('is not an s3://bucket/prefix URL', 'write s3://BUCKET or s3://BUCKET/PREFIX');
  const [, authority = '', rawPrefix = '', extra] = match;
  if (authority.includes('@')) {
    // The spec is not repeated: the part before "@" is a secret.
    throw invalid(
      'an s3:// store URL must not contain credentials',
      'remove "user:secret@" from the URL and set AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) instead',
    );
  }
  if (extra !== undefined) throw invalid('an s3:// store URL takes no ?query or #fragment', 'write s3://BUCKET or s3://BUCKET/PREFIX');
  if (authority === '') throw invalid('s3:// names no bucket', 'write s3://BUCKET or s3://BUCKET/PREFIX');
  const bucketProblem = bucketNameProblem(authority);
  if (bucketProblem !== undefined) {
    throw invalid(`S3 bucket name "${authority}" ${bucketProblem}`, 'use a valid S3 bucket name', { problem: bucketProblem });
  }
  const prefix = rawPrefix.replace(/^\/+|\/+$/g, '');
  const problem = prefixProblem(prefix);
  if (problem !== undefined) throw invalid(`S3 key prefix "${prefix.slice(0, 80)}" ${problem}`, 'use a prefix like team/packs', { problem });

  const endpoint = parseEndpoint(env['CTXPACK_S3_ENDPOINT'], invalid);
  const region = env['CTXPACK_S3_REGION'] || DEFAULT_REGION;
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(region)) {
    throw invalid(`CTXPACK_S3_REGION "${region.slice(0, 40)}" is not a region name`, 'set it to a region such as us-east-1, or unset it');
  }
  const forcePathStyle = parseBoolean(env['CTXPACK_S3_FORCE_PATH_STYLE'], endpoint !== undefined, invalid);
  return { bucket: authority, prefix, region, ...(endpoint !== undefined ? { endpoint } : {}), forcePathStyle };
}

/** Extra settings for {@link s3StoreFromSpec}: where the spec came from, and client tuning. */
export type S3SpecOptions = { readonly source?: string } & Omit<S3PackStoreOptions, keyof S3StoreConfig | 'env'>;

/**
 * The {@link S3PackStore} for `s3://bucket[/prefix]`, configured from `env` (see {@link parseS3Spec}).
 * Credentials are read from the same `env` or the AWS credential chain when the store is first used.
 *
 * @throws PackSchemaInvalid for a malformed spec or `CTXPACK_S3_*` value.
 */
export function s3StoreFromSpec(spec: string, env: NodeJS.ProcessEnv = process.env, options: S3SpecOptions = {}): S3PackStore {
  const { source, ...tuning } = options;
  const config = parseS3Spec(spec, env, source);
  return new S3PackStore({ ...tuning, ...config, env });
}

type Invalid = (what: string, fix: string) => PackSchemaInvalid;

function parseEndpoint(value: string | undefined, invalid: Invalid): string | undefined {
  if (value === undefined || value === '') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid('CTXPACK_S3_ENDPOINT is not a URL', 'set it to http(s)://HOST:PORT, e.g. http://127.0.0.1:9000');
  }
  if (url.username !== '' || url.password !== '') {
    throw invalid(
      'CTXPACK_S3_ENDPOINT must not contain credentials',
      'remove "user:secret@" and set AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY instead',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid(`CTXPACK_S3_ENDPOINT must be http:// or https://, not ${url.protocol}//`, 'set it to http(s)://HOST:PORT');
  }
  if (url.search !== '' || url.hash !== '') throw invalid('CTXPACK_S3_ENDPOINT takes no ?query or #fragment', 'set it to http(s)://HOST:PORT');
  return value.replace(/\/+$/, '');
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

function parseBoolean(value: string | undefined, fallback: boolean, invalid: Invalid): boolean {
  if (value === undefined || value === '') return fallback;
  const lower = value.trim().toLowerCase();
  if (TRUE.has(lower)) return true;
  if (FALSE.has(lower)) return false;
  throw invalid(`CTXPACK_S3_FORCE_PATH_STYLE "${value.slice(0, 20)}" is not true or false`, 'set it to true or false, or unset it');
}
