/** Records real histories as replay fixtures (see vitest.record.config.ts). */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { expect, it } from 'vitest';
import { packState, requestModelSwap } from '../../workflows/governed-job.js';
import { addReviewerRung, BIG_REVIEWER, multiRoleInput, multiRoleScript, startMultiRole } from '../support/multi-role.js';
import { testTemporal } from '../support/temporal.js';
import { BIG, CLOUD, GATED_PASSING_SCRIPT, TINY, addFact, jobInput, openGate, runWorker, setupJob, startJob, swap, waitForState, writeScript } from '../support/governed.js';

const FIXTURES = new URL('../fixtures/histories/', import.meta.url);

async function save(name: string, handle: { fetchHistory: Awaited<ReturnType<typeof startJob>>['fetchHistory'] }): Promise<void> {
  const history = await handle.fetchHistory();
  // Stack traces of untyped failures name files on this machine: fixtures must stay portable.
  const root = fileURLToPath(new URL('../../', import.meta.url));
  await writeFile(new URL(`${name}.json`, FIXTURES), `${historyToJSON(history).split(root).join('<project>/')}\n`);
}

// job-with-swaps.json is kept as recorded before the operator view moved its upserts to milestones
// (MILESTONE_PATCH): it is the fixture of the old path (an upsert pair on every swap), which
// today's code can no longer record. This records the same scenario on the patched path.
it('records a job with swaps (rebuilt and reused), upserts at milestones', async () => {
  const setup = await setupJob('rec-milestones');
  await writeScript(setup.dir, GATED_PASSING_SCRIPT);
  const handle = await startJob(setup, jobInput(TINY));
  await runWorker(setup, async () => {
    await waitForState(handle, (s) => s.binding !== null && s.status === 'running');
    await addFact(setup.dir, 'A late fact.');
    expect((await handle.executeUpdate(requestModelSwap, { args: [swap(BIG, { request_id: 'rec-m-1' })] })).decision).toBe('rebuilt');
    expect((await handle.executeUpdate(requestModelSwap, { args: [swap(TINY, { request_id: 'rec-m-2' })] })).decision).toBe('reused');
    await openGate(setup.dir);
    await handle.result();
  });
  await save('job-with-swaps-at-milestones', handle);
});

it('records a job with an automatic escalation', async () => {
  const setup = await setupJob('rec-escalation');
  const handle = await startJob(setup, jobInput(TINY));
  const result = await runWorker(setup, () => handle.result());
  expect(result.swaps).toBe(1);
  await save('job-with-escalation', handle);
});

it('records a job with a rejected swap', async () => {
  const setup = await setupJob('rec-rejected');
  await writeScript(setup.dir, GATED_PASSING_SCRIPT);
  const handle = await startJob(setup, jobInput(TINY));
  await runWorker(setup, async () => {
    await waitForState(handle, (s) => s.binding !== null && s.status === 'running');
    const pinned = `sha256:${'0'.repeat(64)}`; // not in the store: the swap activity fails, the seat stays
    const error = await handle.executeUpdate(requestModelSwap, { args: [swap(BIG, { request_id: 'rec-bad', pinned_pack_hash: pinned })] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
    await openGate(setup.dir);
    await handle.result();
  });
  await save('job-with-rejected-swap', handle);
});

it('records the first run of a job that continues as new', async () => {
  const setup = await setupJob('rec-can');
  await writeScript(setup.dir, GATED_PASSING_SCRIPT);
  const handle = await startJob(setup, jobInput(BIG, { micro_tasks_per_run: 1 }));
  const firstRunId = (await handle.describe()).runId;
  await runWorker(setup, async () => {
    await waitForState(handle, (s) => s.binding !== null && s.status === 'running');
    expect((await handle.executeUpdate(requestModelSwap, { args: [swap(TINY, { request_id: 'rec-can-1' })] })).decision).toBe('reused');
    await openGate(setup.dir);
    await handle.result();
  });
  const firstRun = (await testTemporal()).client.workflow.getHandle(setup.workflowId, firstRunId);
  expect((await firstRun.fetchHistory()).events?.some((e) => e.workflowExecutionContinuedAsNewEventAttributes)).toBe(true);
  await save('job-with-continue-as-new', firstRun);
});

it('records a job with a consented cloud call', async () => {
  const setup = await setupJob('rec-cloud');
  await writeScript(setup.dir, GATED_PASSING_SCRIPT);
  const handle = await startJob(setup, jobInput(TINY, { cloud_consent: true }));
  await runWorker(setup, async () => {
    await waitForState(handle, (s) => s.binding !== null && s.status === 'running');
    await handle.executeUpdate(requestModelSwap, { args: [swap(CLOUD, { request_id: 'rec-cloud-1' })] });
    await openGate(setup.dir);
    await handle.result();
    // MT-7.2 ran on the cloud rung: a model call went to the cloud provider.
    const state = await handle.query(packState);
    expect(state.location).toBe('cloud');
    expect(state.invocations).toBeGreaterThanOrEqual(2);
  });
  await save('job-with-cloud-call', handle);
});

it('records a multi-role job (a failed review, a failed verification, an escalation, a swap of the validator by Update)', async () => {
  const setup = await setupJob('rec-multi');
  await writeScript(setup.dir, multiRoleScript({ gate: true }));
  await addReviewerRung(setup.dir);
  const handle = await startMultiRole(setup, multiRoleInput());
  await runWorker(setup, async () => {
    await waitForState(handle, (s) => s.status === 'running' && (s.seats?.length ?? 0) === 3);
    await handle.executeUpdate(requestModelSwap, { args: [swap(BIG_REVIEWER, { request_id: 'rec-multi-1' })] });
    await openGate(setup.dir);
    const result = await handle.result();
    expect(result.reviews_failed).toBe(1);
    expect(result.swaps).toBe(2);
  });
  await save('multi-role-job', handle);
});
