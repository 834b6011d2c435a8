/**
 * One real MinIO server per test file: `useMinio()` starts it in `beforeAll` (building the binary on
 * the very first run, which takes minutes: hence the long hook timeout) and stops it in `afterAll`,
 * which vitest runs even when tests or the start itself failed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { S3PackStore, type S3PackStoreOptions } from '../../../../../../shared/engine/store/s3-store.js';
import { startMinio, type RunningMinio } from '../../../../../tools/minio.js';

/** Enough for a cold MinIO build from Go modules on a 2-core machine; a cached start takes ~1 s. */
export const MINIO_START_TIMEOUT_MS = 20 * 60_000;

/** The running server of this test file, plus helpers bound to it. */
export interface MinioFixture {
  readonly server: RunningMinio;
  /** An SDK client with the root credentials, for arranging and inspecting objects behind a store's back. */
  readonly raw: S3Client;
  /** The credentials as a store reads them: an environment. */
  readonly env: NodeJS.ProcessEnv;
  /** Creates a bucket with a fresh name (one per test keeps tests independent). */
  bucket(hint?: string): Promise<string>;
  /** A store on this server; `options` override the defaults (fast-failing timeouts and retries). */
  store(bucket: string, options?: Partial<S3PackStoreOptions>): S3PackStore;
}

export function useMinio(): () => MinioFixture {
  let fixture: MinioFixture | undefined;
  let dir: string | undefined;
  const stores: S3PackStore[] = [];
  let counter = 0;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ctxpack-minio-test-'));
    const server = await startMinio({ dataDir: path.join(dir, 'data'), log: (line) => console.log(`[minio] ${line}`) });
    const raw = new S3Client({
      region: 'us-east-1',
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: server.accessKey, secretAccessKey: server.secretKey },
    });
    const env = { AWS_ACCESS_KEY_ID: server.accessKey, AWS_SECRET_ACCESS_KEY: server.secretKey };
    fixture = {
      server,
      raw,
      env,
      async bucket(hint = 'packs') {
        const name = `${hint}-${process.pid}-${++counter}`;
        await raw.send(new CreateBucketCommand({ Bucket: name }));
        return name;
      },
      store(bucket, options = {}) {
        const store = new S3PackStore({
          bucket,
          endpoint: server.endpoint,
          forcePathStyle: true,
          env,
          maxAttempts: 1,
          connectTimeoutMs: 2_000,
          requestTimeoutMs: 10_000,
          ...options,
        });
        stores.push(store);
        return store;
      },
    };
  }, MINIO_START_TIMEOUT_MS);

  afterAll(async () => {
    for (const store of stores) await store.close();
    fixture?.raw.destroy();
    await fixture?.server.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  return () => {
    if (!fixture) throw new Error('MinIO is not running (did beforeAll fail?)');
    return fixture;
  };
}
