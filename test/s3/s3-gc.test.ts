/**
 * `ctxpack gc` on the shared S3 store: what a running job references (packs and its run artifacts)
 * stays; an unreferenced pack goes, and only with --delete.
 */
import { describe, expect, inject, it } from 'vitest';
import { canonicalBytes } from '../../shared/canonical.js';
import { referencedPackHashes } from '../../shared/temporal/history-records.js';
import { BIG, GATED_PASSING_SCRIPT, jobInput, openGate, runWorker, setupJob, startJob, waitForRunningActivity, writeScript } from '../support/governed.js';
import { runCtxpack } from '../support/cli.js';
import { useMinio } from './support/minio.js';

const minio = useMinio();

describe('ctxpack gc with an S3 store', () => {
  it('keeps everything a running job references and deletes an unreferenced artifact only with --delete', async () => {
    const bucket = await minio().bucket('gc');
    const store = minio().store(bucket, { prefix: 'packs' });
    const setup = await setupJob('s3-gc', { store });
    await writeScript(setup.dir, GATED_PASSING_SCRIPT);
    const orphan = await store.put(canonicalBytes({ kind: 'unreferenced', note: 'no job binds this' }));

    const env = {
      ...minio().env,
      CTXPACK_S3_ENDPOINT: minio().server.endpoint,
      AWS_EC2_METADATA_DISABLED: 'true',
      TEMPORAL_ADDRESS: inject('temporalAddress'),
    };
    const spec = `s3://${bucket}/packs`;
    const handle = await startJob(setup, jobInput(BIG));
    await runWorker(setup, async () => {
      // The job is inside its first model call: packs and provider snapshot stored and in history.
      await waitForRunningActivity(handle, 'invokeModel');
      const referenced = [...referencedPackHashes(await handle.fetchHistory())];
      expect(referenced.length).toBeGreaterThanOrEqual(3);

      let plan: { store: string; removable: { hash: string }[]; deleted: string[] } = { store: '', removable: [], deleted: [] };
      for (let i = 0; i < 50; i += 1) {
        const result = await runCtxpack(['gc', '--store', spec, '--retention-days', '0', '--json'], { env });
        expect(result.code, result.stderr).toBe(0);
        plan = JSON.parse(result.stdout) as typeof plan;
        if (!referenced.some((hash) => plan.removable.some((r) => r.hash === hash))) break; // visibility caught up
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(plan.store).toBe(spec);
      expect(plan.removable.map((r) => r.hash)).toContain(orphan.hash);
      for (const hash of referenced) expect(plan.removable.map((r) => r.hash)).not.toContain(hash);
      expect(plan.deleted).toEqual([]);
      expect(await store.has(orphan.hash)).toBe(true);

      const deleted = await runCtxpack(['gc', '--store', spec, '--retention-days', '0', '--delete', '--json'], { env });
      expect(deleted.code, deleted.stderr).toBe(0);
      expect((JSON.parse(deleted.stdout) as { deleted: string[] }).deleted).toContain(orphan.hash);
      expect(await store.has(orphan.hash)).toBe(false);
      for (const hash of referenced) expect(await store.has(hash)).toBe(true);

      await openGate(setup.dir);
      expect((await handle.result()).status).toBe('passed');
    });
  });
});
