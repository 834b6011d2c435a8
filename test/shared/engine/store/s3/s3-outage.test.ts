/**
 * An S3 outage mid-job is an outage, not a verdict: the store's retryable failures (connection
 * refused, timeouts, 5xx) are retried by the activity retry policy, and the job completes once the
 * store is back. Configuration faults (missing bucket) are not retried.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { afterAll, describe, expect, it } from 'vitest';
import { S3PackStore } from '../../../../../shared/engine/store/index.js';
import { startMinio, type RunningMinio } from '../../../../tools/minio.js';
import { BIG, jobInput, runWorker, setupJob, startJob } from '../../../../support/governed.js';
import { MINIO_START_TIMEOUT_MS } from './support/minio.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
}, 60_000);

async function ownMinio(): Promise<{ server: RunningMinio; dataDir: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ctxpack-minio-outage-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const dataDir = path.join(dir, 'data');
  const server = await startMinio({ dataDir });
  cleanups.push(() => server.stop());
  return { server, dataDir };
}

function storeOn(server: RunningMinio, bucket: string): S3PackStore {
  const store = new S3PackStore({
    bucket,
    endpoint: server.endpoint,
    forcePathStyle: true,
    env: { AWS_ACCESS_KEY_ID: server.accessKey, AWS_SECRET_ACCESS_KEY: server.secretKey },
    maxAttempts: 1,
    connectTimeoutMs: 1_000,
    requestTimeoutMs: 5_000,
  });
  cleanups.push(() => store.close());
  return store;
}

describe('S3 store outages and the activity retry policy', () => {
  it('retries while MinIO is down and completes the job once it is back (same port, same data)', async () => {
    const { server, dataDir } = await ownMinio();
    const raw = new S3Client({ region: 'us-east-1', endpoint: server.endpoint, forcePathStyle: true, credentials: { accessKeyId: server.accessKey, secretAccessKey: server.secretKey } });
    await raw.send(new CreateBucketCommand({ Bucket: 'outage' }));
    raw.destroy();
    const setup = await setupJob('s3-outage', { store: storeOn(server, 'outage') });

    await server.stop();
    const handle = await startJob(setup, jobInput(BIG));
    const result = await runWorker(setup, async () => {
      // Let the first bind attempts fail against the stopped server, then bring it back.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      const port = Number(new URL(server.endpoint).port);
      const again = await startMinio({ dataDir, port, credentials: { accessKey: server.accessKey, secretKey: server.secretKey } });
      cleanups.push(() => again.stop());
      return handle.result();
    });
    expect(result.status).toBe('passed');

    const { events } = await handle.fetchHistory();
    const failedAttempts = (events ?? []).find((e) => e.activityTaskStartedEventAttributes && (e.activityTaskStartedEventAttributes.attempt ?? 1) > 1);
    expect(failedAttempts, 'an activity should have been retried after the outage').toBeDefined();
    const lastFailure = failedAttempts?.activityTaskStartedEventAttributes?.lastFailure;
    expect(lastFailure?.applicationFailureInfo?.type).toBe('PackStoreUnavailable');
    expect(lastFailure?.message).toMatch(/cannot reach the S3 endpoint|did not answer in time/);
    expect(lastFailure?.message).not.toContain(server.secretKey);
  }, MINIO_START_TIMEOUT_MS);

  it('does not retry a missing bucket: the job fails at once with the fix', async () => {
    const { server } = await ownMinio();
    const setup = await setupJob('s3-nobucket', { store: storeOn(server, 'never-created') });
    const handle = await startJob(setup, jobInput(BIG));
    const error = await runWorker(setup, () => handle.result().catch((err: unknown) => err));
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const activity = (error as WorkflowFailedError).cause;
    expect(activity).toBeInstanceOf(ActivityFailure);
    const cause = (activity as ActivityFailure).cause as ApplicationFailure;
    expect(cause.type).toBe('PackStoreUnavailable');
    expect(cause.nonRetryable).toBe(true);
    expect(cause.message).toContain('bucket "never-created" does not exist');
    const { events } = await handle.fetchHistory();
    const attempts = (events ?? []).map((e) => e.activityTaskStartedEventAttributes?.attempt).filter((a) => a !== undefined && a !== null);
    expect(Math.max(...attempts.map(Number))).toBe(1);
  }, MINIO_START_TIMEOUT_MS);
});
