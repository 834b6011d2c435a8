/**
 * The S3 PackStore: objects `<prefix>/sha256/<hex>` in one bucket of any S3-compatible service (AWS
 * S3, MinIO, …), holding exactly the stored bytes, so a store can be moved between the file store and
 * S3 with plain copies.
 *
 * Writes are single conditional PUTs (`If-None-Match: *`): S3 makes a PUT visible whole or not at all,
 * and the condition tells exactly one of several concurrent writers of the same bytes that it created
 * the object (the others get 412, check what is there, and report `created: false`). Each PUT carries
 * the SHA-256 of the bytes (`x-amz-checksum-sha256`), so the server refuses bytes damaged on the way
 * instead of storing them. Reads re-hash, as the file store does.
 *
 * Credentials come only from the environment / the standard AWS credential chain; the endpoint, region
 * and addressing style come from options. Refs, `describe()` and error messages never contain the
 * endpoint, a key or a secret, and the SDK's own error text (which can quote the access key id) is
 * never repeated: only the S3 error code, the HTTP status or the network errno. Every
 * PackStoreUnavailable carries `details.retryable`: true for outages that may pass (network, timeouts,
 * 5xx, a checksum refused in transit), false for configuration (missing bucket, credentials).
 *
 * The AWS SDK is imported on first use: it takes ~0.2 s to load, which file-store users of
 * `openPackStore` (and every `ctxpack` start) should not pay.
 */
import { createHash } from 'node:crypto';
import type { ListObjectsV2CommandOutput, S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { INPUT_LIMITS, inputRejected } from '../bounded-read.js';
import { PackInputRejected, PackSchemaInvalid, PackStoreUnavailable } from '../../core/errors.js';
import { HASH_PREFIX, sha256, type Sha256 } from '../hash.js';
import { checkedBytes, checkHash, HEX64, missingArtifact } from './hash-key.js';
import { classify, errorCode, isNoSuchKey } from './s3-failures.js';
import { bucketNameProblem, prefixProblem } from './s3-names.js';
import type { PackStore, StoredArtifact, StoredEntry, StoreRef } from './types.js';

type Sdk = typeof import('@aws-sdk/client-s3');

/** Options for {@link S3PackStore}. Credentials are deliberately not among them (see `env`). */
export interface S3PackStoreOptions {
  /** Bucket name (S3 naming rules: 3–63 lowercase letters, digits, dots, hyphens). */
  readonly bucket: string;
  /** Key prefix without leading or trailing slash, e.g. `team/packs`. Default: none. */
  readonly prefix?: string;
  /** Default: `us-east-1`. */
  readonly region?: string;
  /** An S3-compatible endpoint such as `http://127.0.0.1:9000`. Default: AWS S3 for the region. */
  readonly endpoint?: string;
  /** Path-style addressing (`endpoint/bucket/key`), which MinIO and most self-hosted services need. */
  readonly forcePathStyle?: boolean;
  /**
   * Where `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` are read from.
   * Default: `process.env`. When it holds no key pair, the SDK's default chain applies (profiles,
   * SSO, web identity, container and instance metadata).
   */
  readonly env?: NodeJS.ProcessEnv;
  /** Per-request time limit (connect to last byte). Default: 30 000 ms. */
  readonly requestTimeoutMs?: number;
  /** Time limit for opening a connection. Default: 5 000 ms. */
  readonly connectTimeoutMs?: number;
  /** Attempts per request, including the SDK's own retries of transient errors. Default: 3. */
  readonly maxAttempts?: number;
  /** Keys per ListObjectsV2 page (S3 caps it at 1000). Default: 1000. */
  readonly listPageSize?: number;
}


/** A {@link PackStore} in an S3 bucket (see the file comment for the layout and guarantees). */
export class S3PackStore implements PackStore {
  readonly kind = 's3' as const;
  readonly bucket: string;
  /** Key prefix without outer slashes; empty for none. */
  readonly prefix: string;
  private readonly options: S3PackStoreOptions;
  private connection: Promise<{ sdk: Sdk; client: S3Client }> | undefined;

  /** @throws PackSchemaInvalid for a bucket name or prefix S3 would not accept (or could misread). */
  constructor(options: S3PackStoreOptions) {
    const bucketProblem = bucketNameProblem(options.bucket);
    if (bucketProblem !== undefined) {
      throw new PackSchemaInvalid(`S3 bucket name ${JSON.stringify(options.bucket.slice(0, 80))} ${bucketProblem}`, 'use a valid S3 bucket name', {
        store: 's3',
        problem: bucketProblem,
      });
    }
    const prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    const problem = prefixProblem(prefix);
    if (problem !== undefined) {
      throw new PackSchemaInvalid(`S3 key prefix ${JSON.stringify(prefix.slice(0, 80))} ${problem}`, 'use a prefix like team/packs', {
        store: 's3',
        problem,
      });
    }
    this.bucket = options.bucket;
    this.prefix = prefix;
    this.options = options;
  }

  private keyFor(hex: string): string {
    return `${this.keyPrefix()}${hex}`;
  }

  private keyPrefix(): string {
    return this.prefix === '' ? 'sha256/' : `${this.prefix}/sha256/`;
  }

  refFor(hash: string): StoreRef {
    // Relative to the store, like the file store's: the same pack has the same ref in every store.
    return { store: 's3', key: `sha256/${checkHash(hash)}` };
  }

  describe(): string {
    return this.prefix === '' ? `s3://${this.bucket}` : `s3://${this.bucket}/${this.prefix}`;
  }

  /** Releases the client's pooled connections. The store may be used again afterwards (it reconnects). */
  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    if (connection) (await connection.catch(() => undefined))?.client.destroy();
  }

  private connect(): Promise<{ sdk: Sdk; client: S3Client }> {
    this.connection ??= import('@aws-sdk/client-s3').then((sdk) => ({ sdk, client: new sdk.S3Client(this.clientConfig()) }));
    return this.connection;
  }

  private clientConfig(): S3ClientConfig {
    const o = this.options;
    const env = o.env ?? process.env;
    const id = env['AWS_ACCESS_KEY_ID'];
    const secret = env['AWS_SECRET_ACCESS_KEY'];
    const token = env['AWS_SESSION_TOKEN'];
    return {
      region: o.region ?? 'us-east-1',
      ...(o.endpoint !== undefined ? { endpoint: o.endpoint } : {}),
      forcePathStyle: o.forcePathStyle ?? false,
      maxAttempts: o.maxAttempts ?? 3,
      // The same key pair the SDK's env provider would read, but from `env`, so callers (and tests)
      // can pass an environment; without one, the SDK's default chain decides.
      ...(id && secret ? { credentials: { accessKeyId: id, secretAccessKey: secret, ...(token ? { sessionToken: token } : {}) } } : {}),
      requestHandler: {
        connectionTimeout: o.connectTimeoutMs ?? 5_000,
        requestTimeout: o.requestTimeoutMs ?? 30_000,
        // Without this the SDK only logs a warning when requestTimeout passes and keeps waiting.
        throwOnRequestTimeout: true,
      },
      // get() re-hashes every byte with SHA-256 anyway; the SDK's extra CRC pass would be wasted work.
      responseChecksumValidation: 'WHEN_REQUIRED',
      // The store never adds per-command middleware, so the resolved handler chain can be kept per
      // command class instead of rebuilt on every send (~20% of a small GET's CPU, measured).
      cacheMiddleware: true,
    };
  }

  async put(bytes: Uint8Array): Promise<StoredArtifact> {
    const hash = sha256(bytes);
    const key = this.keyFor(hash.slice(HASH_PREFIX.length));
    const artifact = (created: boolean): StoredArtifact => ({ hash, ref: this.refFor(hash), bytes: bytes.length, created });
    const { sdk, client } = await this.connectOrFail('write to');
    const checksum = createHash('sha256').update(bytes).digest('base64');
    const putObject = (conditional: boolean) =>
      client.send(
        new sdk.PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: bytes,
          ContentLength: bytes.length,
          ContentType: 'application/octet-stream',
          ChecksumAlgorithm: 'SHA256',
          ChecksumSHA256: checksum,
          ...(conditional ? { IfNoneMatch: '*' } : {}),
        }),
      );

    for (let attempt = 0; ; attempt++) {
      try {
        await putObject(true);
        return artifact(true);
      } catch (err) {
        const { code, status } = errorCode(err);
        if (status === 412 || code === 'PreconditionFailed') {
          // Already there (stored earlier, or by a concurrent writer that won). Trust it only once it hashes right.
          if (await this.intact(key, hash, 'write to')) {
            // Stored again counts as bound: its age for gc starts over (see touch).
            await this.touchKey(key, hash);
            return artifact(false);
          }
          // A damaged object is in the way: replace it with the good bytes (a PUT replaces atomically).
          try {
            await putObject(false);
          } catch (again) {
            throw this.unavailable('write to', again, hash);
          }
          return artifact(true);
        }
        // 409: another conditional write of this key is in flight. It will finish; try again shortly.
        if ((status === 409 || code === 'ConditionalRequestConflict') && attempt < 5) {
          await sleep(25 * 2 ** attempt);
          continue;
        }
        throw this.unavailable('write to', err, hash);
      }
    }
  }

  /**
   * Starts an object's age for gc over: S3 has no utimes, so the object is copied onto itself with
   * replaced metadata (`ctxpack-bound-at`), which sets a new LastModified, the time `list` reports.
   * Server-side: no bytes travel. The object's content, and so its hash, does not change.
   */
  async touch(hash: string): Promise<boolean> {
    return this.touchKey(this.keyFor(checkHash(hash)), hash);
  }

  private async touchKey(key: string, hash: string): Promise<boolean> {
    const { sdk, client } = await this.connectOrFail('write to');
    try {
      await client.send(
        new sdk.CopyObjectCommand({
          Bucket: this.bucket,
          Key: key,
          CopySource: `${this.bucket}/${key}`,
          MetadataDirective: 'REPLACE',
          ContentType: 'application/octet-stream',
          Metadata: { 'ctxpack-bound-at': new Date().toISOString() },
        }),
      );
      return true;
    } catch (err) {
      if (isNoSuchKey(err)) return false;
      throw this.unavailable('write to', err, hash);
    }
  }

  async get(hash: string): Promise<Uint8Array> {
    const hex = checkHash(hash);
    const bytes = await this.read(this.keyFor(hex), 'read from');
    if (bytes === undefined) {
      throw missingArtifact(hash);
    }
    return checkedBytes(hash, bytes);
  }

  /**
   * True when present and intact. Unlike a missing object, an unreachable store is not "false": it
   * throws PackStoreUnavailable, so an outage is never taken for "regenerate everything".
   */
  async has(hash: string): Promise<boolean> {
    return this.intact(this.keyFor(checkHash(hash)), hash, 'read from');
  }

  private async intact(key: string, hash: string, action: string): Promise<boolean> {
    const bytes = await this.read(key, action);
    return bytes !== undefined && sha256(bytes) === hash;
  }

  /** The object's bytes, or undefined when there is no such key. */
  private async read(key: string, action: string): Promise<Uint8Array | undefined> {
    const { sdk, client } = await this.connectOrFail(action);
    try {
      const out = await client.send(new sdk.GetObjectCommand({ Bucket: this.bucket, Key: key }));
      // The size the store recorded bounds the read: an object over the pack limit is refused
      // before its body is read (bounded-read.ts).
      if ((out.ContentLength ?? 0) > INPUT_LIMITS.pack) {
        out.Body?.transformToWebStream().cancel().catch(() => {});
        throw inputRejected(`store object ${key.slice(key.lastIndexOf('/') + 1, key.lastIndexOf('/') + 13)}`, 'too-large', INPUT_LIMITS.pack);
      }
      // Inside the try: the body streams after the headers, and can fail (reset, timeout) on its own.
      return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
    } catch (err) {
      if (err instanceof PackInputRejected) throw err;
      if (isNoSuchKey(err)) return undefined;
      throw this.unavailable(action, err);
    }
  }

  async *list(): AsyncIterable<StoredEntry> {
    const { sdk, client } = await this.connectOrFail('list');
    const keyPrefix = this.keyPrefix();
    let token: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await client.send(
          new sdk.ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: keyPrefix,
            ContinuationToken: token,
            MaxKeys: this.options.listPageSize ?? 1000,
          }),
        );
      } catch (err) {
        throw this.unavailable('list', err);
      }
      for (const object of page.Contents ?? []) {
        const name = object.Key?.slice(keyPrefix.length) ?? '';
        // Only `<prefix>/sha256/<hex>` objects: anything else in the bucket is not ours to report (or delete).
        if (!object.Key?.startsWith(keyPrefix) || !HEX64.test(name)) continue;
        yield { hash: `${HASH_PREFIX}${name}` as Sha256, bytes: object.Size ?? 0, modifiedAt: object.LastModified ?? new Date(0) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async delete(hash: string): Promise<boolean> {
    const key = this.keyFor(checkHash(hash));
    const { sdk, client } = await this.connectOrFail('delete from');
    // S3's DELETE succeeds whether or not the key existed, so ask first to be able to answer false.
    // A one-byte ranged GET rather than HEAD: HEAD answers have no body, so "no such bucket", "no
    // such key" and "bad credentials" would all be bare status codes.
    try {
      const out = await client.send(new sdk.GetObjectCommand({ Bucket: this.bucket, Key: key, Range: 'bytes=0-0' }));
      await out.Body?.transformToByteArray();
    } catch (err) {
      if (isNoSuchKey(err)) return false;
      // 416: the object exists but is empty, so it has no byte 0.
      if (errorCode(err).status !== 416) throw this.unavailable('delete from', err);
    }
    try {
      await client.send(new sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      throw this.unavailable('delete from', err);
    }
    return true;
  }

  private async connectOrFail(action: string): Promise<{ sdk: Sdk; client: S3Client }> {
    try {
      return await this.connect();
    } catch (err) {
      this.connection = undefined;
      // A bad endpoint URL or a missing SDK install: configuration, not an outage.
      throw new PackStoreUnavailable(
        `cannot ${action} the S3 pack store ${this.describe()}: the S3 client could not be set up (${err instanceof Error ? err.name : 'error'})`,
        'check CTXPACK_S3_ENDPOINT / CTXPACK_S3_REGION, and that @aws-sdk/client-s3 is installed',
        { store: 's3', bucket: this.bucket, operation: action, code: 'ClientSetup', retryable: false },
      );
    }
  }

  /** The PackStoreUnavailable for a failed S3 call (see {@link classify}). */
  private unavailable(action: string, err: unknown, hash?: string): PackStoreUnavailable {
    const f = classify(err, this.bucket);
    const where = `the S3 pack store ${this.describe()}`;
    const message =
      f.code === 'NoSuchBucket'
        ? `cannot ${action} ${where}: ${f.message}`
        : `cannot ${action} ${where}${hash ? ` (pack ${hash})` : ''}: ${f.message}${action === 'write to' ? '; nothing was stored' : ''}`;
    return new PackStoreUnavailable(message, f.fix, {
      store: 's3',
      bucket: this.bucket,
      operation: action,
      code: f.code,
      ...(f.httpStatus !== undefined ? { httpStatus: f.httpStatus } : {}),
      retryable: f.retryable,
    });
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
