/**
 * `ctxpack gc` on the shared S3 store: what a running job references (packs and its run artifacts)
 * stays; an unreferenced pack goes, and only with --delete.
 */
import { describe, expect, inject, it } from 'vitest';
import { canonicalBytes } from '../../../../../shared/core/canonical.js';
import { referencedPackHashes } from '../../../../../cli/temporal/history-records.js';
import { BIG, GATED_PASSING_SCRIPT, jobInput, openGate, runWorker, setupJob, startJob, waitForRunningActivity, writeScript } from '../../../../support/governed.js';
import { runCtxpack } from '../../../../support/cli.js';
import { testTemporal } from '../../../../support/temporal.js';
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

      // At once, before visibility may list the job: the packs it bound were just stored or touched,
      // so the grace window keeps them (and the orphan, as young as they are).
      const early = await runCtxpack(['gc', '--store', spec, '--retention-days', '0', '--delete', '--json'], { env });
      expect(early.code, early.stderr).toBe(0);
      const earlyPlan = JSON.parse(early.stdout) as { store: string; removable: { hash: string }[]; deleted: string[] };
      expect(earlyPlan.store).toBe(spec);
      expect(earlyPlan.deleted).toEqual([]);
      for (const hash of referenced) expect(await store.has(hash)).toBe(true);

      // Without the grace window only history protects them: a precondition, not the assertion, is
      // that visibility lists the job, so wait for that first.
      const { client } = await testTemporal();
      for (let listed = false; !listed; ) {
        for await (const _ of client.workflow.list({ query: `WorkflowId = '${setup.workflowId}' AND ExecutionStatus = 'Running'` })) listed = true;
        if (!listed) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const dry = await runCtxpack(['gc', '--store', spec, '--retention-days', '0', '--grace-minutes', '0', '--json'], { env });
      expect(dry.code, dry.stderr).toBe(0);
      const plan = JSON.parse(dry.stdout) as { removable: { hash: string }[]; deleted: string[] };
      expect(plan.removable.map((r) => r.hash)).toContain(orphan.hash);
      for (const hash of referenced) expect(plan.removable.map((r) => r.hash)).not.toContain(hash);
      expect(plan.deleted).toEqual([]);
      expect(await store.has(orphan.hash)).toBe(true);

      const deleted = await runCtxpack(['gc', '--store', spec, '--retention-days', '0', '--grace-minutes', '0', '--delete', '--json'], { env });
      expect(deleted.code, deleted.stderr).toBe(0);
      expect((JSON.parse(deleted.stdout) as { deleted: string[] }).deleted).toContain(orphan.hash);
      expect(await store.has(orphan.hash)).toBe(false);
      for (const hash of referenced) expect(await store.has(hash)).toBe(true);

      await openGate(setup.dir);
      expect((await handle.result()).status).toBe('passed');
    });
  });

  it('refreshes an object\'s age when the same bytes are stored again or the pack is touched', async () => {
    const bucket = await minio().bucket('gc-touch');
    const store = minio().store(bucket, { prefix: 'packs' });
    const bytes = canonicalBytes({ kind: 'touched', note: 'stored twice' });
    const first = await store.put(bytes);
    const age = async () => {
      for await (const entry of store.list()) if (entry.hash === first.hash) return entry.modifiedAt.getTime();
      throw new Error('not listed');
    };
    const before = await age();
    // LastModified has one-second resolution.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await store.put(bytes)).created).toBe(false);
    const afterPut = await age();
    expect(afterPut).toBeGreaterThan(before);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await store.touch(first.hash)).toBe(true);
    expect(await age()).toBeGreaterThan(afterPut);
    expect(await store.get(first.hash)).toEqual(bytes);
    expect(await store.touch(`sha256:${'0'.repeat(64)}`)).toBe(false);
  });
});
