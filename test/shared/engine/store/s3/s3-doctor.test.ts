/** `ctxpack doctor` shows the configured pack store and whether it answers, for a real S3 server. */
import { describe, expect, it } from 'vitest';
import { runCtxpack } from '../../../../support/cli.js';
import { useMinio } from './support/minio.js';

const minio = useMinio();

describe('ctxpack doctor and the S3 store', () => {
  it('reports a reachable S3 store from CTXPACK_STORE, and a missing bucket with its fix, never the secret', async () => {
    const bucket = await minio().bucket('doctor');
    const env = { ...minio().env, CTXPACK_S3_ENDPOINT: minio().server.endpoint, AWS_EC2_METADATA_DISABLED: 'true' };
    const ok = await runCtxpack(['doctor', '--no-install', '--json'], { env: { ...env, CTXPACK_STORE: `s3://${bucket}/team` } });
    const report = JSON.parse(ok.stdout) as { store: { spec: string; kind: string; reachable: boolean } };
    expect(report.store).toEqual({ spec: `s3://${bucket}/team`, kind: 's3', reachable: true });

    const missing = await runCtxpack(['doctor', '--no-install', '--json', '--store', 's3://no-such-doctor-bucket'], { env });
    const bad = JSON.parse(missing.stdout) as { store: { reachable: boolean; error: string; fix: string } };
    expect(bad.store.reachable).toBe(false);
    expect(bad.store.error).toContain('bucket "no-such-doctor-bucket" does not exist');
    expect(bad.store.fix).toContain('create the bucket');
    expect(missing.stdout + missing.stderr).not.toContain(minio().server.secretKey);
    // A store that would fail every job is a failed check, not a pass.
    expect(ok.code).toBe(0);
    expect(missing.code).toBe(4);
  });

  it('exits 4 when the configured S3 store refuses connections', async () => {
    const env = { ...minio().env, CTXPACK_S3_ENDPOINT: 'http://127.0.0.1:1', AWS_EC2_METADATA_DISABLED: 'true' };
    const refused = await runCtxpack(['doctor', '--no-install', '--store', 's3://packs/team'], { env });
    expect(refused.code).toBe(4);
    expect(refused.stdout).toMatch(/pack store\s+unusable s3:\/\/packs\/team/);
    expect(refused.stderr).toMatch(/fix: /);
  });
});
