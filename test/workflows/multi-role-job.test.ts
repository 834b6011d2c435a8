import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { invocations, swaps } from '../../cli/temporal/history-records.js';
import { packState, requestModelSwap } from '../../workflows/governed-job.js';
import { BIG, openGate, runWorker, setupJob, swap, waitForState, writeScript } from '../support/governed.js';
import { addReviewerRung, BIG_REVIEWER, multiRoleInput, multiRoleScript, startMultiRole } from '../support/multi-role.js';
import { testTemporal } from '../support/temporal.js';

describe('the multi-role job (orchestrator, coder, validator)', () => {
  it('reviews, verifies, sends the coder back with findings, escalates the coder and swaps the validator by Update', async () => {
    const setup = await setupJob('multi-e2e');
    await writeScript(setup.dir, multiRoleScript({ gate: true }));
    await addReviewerRung(setup.dir);
    const handle = await startMultiRole(setup, multiRoleInput());
    const result = await runWorker(setup, async () => {
      const running = await waitForState(handle, (s) => s.status === 'running' && (s.seats?.length ?? 0) === 3);
      expect(running.seats?.map((s) => s.name)).toEqual(['orchestrator', 'coder', 'validator']);
      const swapped = await handle.executeUpdate(requestModelSwap, { args: [swap(BIG_REVIEWER, { request_id: 'reviewer-up' })] });
      expect(swapped.seat).toEqual(BIG_REVIEWER);
      await openGate(setup.dir);
      return handle.result();
    });

    expect(result.micro_tasks).toEqual([
      { id: 'MT-7.1', iterations: 3 },
      { id: 'MT-7.2', iterations: 1 },
    ]);
    expect(result.reviews_failed).toBe(1);
    expect(result.swaps).toBe(2);
    expect(result.seats.find((s) => s.name === 'coder')?.seat).toEqual(BIG);
    expect(result.seats.find((s) => s.name === 'validator')?.seat).toEqual(BIG_REVIEWER);

    const history = await handle.fetchHistory();
    const calls = invocations(history);
    // 2 plans + 3 coder attempts and 3 reviews for MT-7.1 + 1 of each for MT-7.2.
    expect(calls.map((c) => `${c.result.identity.role_id}:${c.result.identity.micro_task}:${c.result.identity.iteration}`)).toEqual([
      'orchestrator:MT-7.1:1',
      'coder:MT-7.1:1', 'validator:MT-7.1:1',
      'coder:MT-7.1:2', 'validator:MT-7.1:2',
      'coder:MT-7.1:3', 'validator:MT-7.1:3',
      'orchestrator:MT-7.2:1',
      'coder:MT-7.2:1', 'validator:MT-7.2:1',
    ]);
    for (const call of calls) {
      expect(call.result.identity.model).toBe(call.input.seat.model);
      expect(call.result.identity.role_pack_hash).toBe(call.input.binding.role_pack_hash);
      expect(call.result.identity.work_unit_pack_hash).toBe(call.input.binding.work_unit_pack_hash);
    }
    // The validator's and orchestrator's structured results are in history; the coder's answer is not.
    expect(calls[2]?.result.result).toEqual({ verdict: 'fail', findings: [{ file: 'src/config.js', line: 3, message: 'parseConfig throws for every input' }] });
    expect(calls[0]?.result.result).toEqual({ next_micro_tasks: ['MT-7.1', 'MT-7.2'] });
    expect(calls[1]?.result.result).toBeUndefined();
    // The findings went back to the coder as data.
    expect(calls[3]?.input.feedback).toContain('parseConfig throws for every input');
    // Every review after the swap ran on the validator's new model.
    expect(calls.filter((c) => c.result.identity.role_id === 'validator').map((c) => c.result.identity.model)).toEqual(Array(4).fill(BIG_REVIEWER.model));

    const swapRecords = swaps(history);
    expect(swapRecords.map((s) => `${s.input.request.target_role}:${s.input.request.reason}`)).toEqual(['validator:swap', 'coder:escalation']);
    for (const s of swapRecords) {
      expect(s.result.result.requested_pack_hash).toMatch(/^sha256:/);
      expect(s.result.result.effective_pack_hash).toBe(s.result.binding.work_unit_pack_hash);
    }

    const memo = (await handle.describe()).memo as { ctxpack: { seats: { name: string; seat: string }[]; swap_log: unknown[] } };
    expect(memo.ctxpack.seats.map((s) => s.seat)).toEqual(['orchestrator big-coder-14b@local-large', 'coder big-coder-14b@local-large', 'validator big-coder-14b@local-large']);
    expect(memo.ctxpack.swap_log).toHaveLength(2);
  });

  it('runs each role step as a child workflow with its own history, and continues as new per micro-task', async () => {
    const setup = await setupJob('multi-child');
    await writeScript(setup.dir, multiRoleScript());
    const handle = await startMultiRole(setup, multiRoleInput({ steps: 'child', micro_tasks_per_run: 1 }));
    const firstRunId = (await handle.describe()).runId;
    const { result, state } = await runWorker(setup, async () => ({ result: await handle.result(), state: await handle.query(packState) }));
    expect(result.micro_tasks.map((m) => m.id)).toEqual(['MT-7.1', 'MT-7.2']);
    expect(state.status).toBe('passed');
    expect(state.seats?.map((s) => s.name)).toEqual(['orchestrator', 'coder', 'validator']);
    expect(result.seats.find((s) => s.name === 'coder')?.seat).toEqual(BIG); // escalation carried across runs

    const { client } = await testTemporal();
    const first = await client.workflow.getHandle(setup.workflowId, firstRunId).fetchHistory();
    expect(first.events?.some((e) => e.workflowExecutionContinuedAsNewEventAttributes)).toBe(true);
    // The parent schedules no model call itself: each is in its child's history.
    expect(invocations(first)).toEqual([]);
    const children = (first.events ?? []).flatMap((e) => e.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId ?? []);
    expect(children).toHaveLength(7); // a plan, 3 coder attempts, 3 reviews for MT-7.1
    const child = await client.workflow.getHandle(children[1] as string).fetchHistory();
    const [call] = invocations(child);
    expect(call?.result.identity.role_id).toBe('coder');
    expect(call?.result.identity.workflow_id).toBe(children[1]);
    expect(invocations(await handle.fetchHistory())).toEqual([]);
  });

  it('fails the job, non-retryably, when the validator answers a result outside its schema', async () => {
    const setup = await setupJob('multi-bad-result');
    await writeScript(setup.dir, multiRoleScript({ reviewerResult: '{ verdict: maybe, findings: [] }' }));
    const handle = await startMultiRole(setup, multiRoleInput());
    const error = await runWorker(setup, () => handle.result().catch((e: unknown) => e));
    expect(error).toBeInstanceOf(WorkflowFailedError);
    let cause: unknown = (error as WorkflowFailedError).cause;
    while (cause instanceof Error && !(cause instanceof ApplicationFailure) && cause.cause) cause = cause.cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe('ModelResultInvalid');
    expect((cause as ApplicationFailure).message).toContain('verdict');
    expect((cause as ApplicationFailure).message).not.toContain('maybe');
  });
});
