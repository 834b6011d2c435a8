import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { FilePackStore } from '../../shared/engine/store/index.js';
import { loadWorkUnitPack } from '../../shared/engine/pack-io.js';
import { modelSwap, packState, requestModelSwap } from '../../workflows/governed-job.js';
import {
  BIG,
  CLOUD,
  addFact,
  GATED_PASSING_SCRIPT,
  TINY,
  jobInput,
  openGate,
  runWorker,
  setupJob,
  startJob,
  swap,
  waitForState,
  writeScript,
} from '../support/governed.js';
import { testTemporal } from '../support/temporal.js';

type HistoryEvents = NonNullable<Awaited<ReturnType<Awaited<ReturnType<typeof startJob>>['fetchHistory']>>['events']>;

function activityResults(events: HistoryEvents, type: string): unknown[] {
  const scheduled = new Map<string, string>();
  for (const event of events) {
    const attrs = event.activityTaskScheduledEventAttributes;
    if (attrs?.activityType?.name) scheduled.set(String(event.eventId), attrs.activityType.name);
  }
  return events
    .filter((e) => e.activityTaskCompletedEventAttributes && scheduled.get(String(e.activityTaskCompletedEventAttributes.scheduledEventId)) === type)
    .map((e) => {
      const payload = e.activityTaskCompletedEventAttributes?.result?.payloads?.[0]?.data;
      return payload ? (JSON.parse(Buffer.from(payload).toString('utf8')) as unknown) : undefined;
    });
}

describe('the governed job', () => {
  it('binds packs at start, escalates after failed verifications and passes every micro-task', async () => {
    const setup = await setupJob('happy');
    const handle = await startJob(setup, jobInput(TINY));
    const { result, state } = await runWorker(setup, async () => {
      const finished = await handle.result();
      return { result: finished, state: await handle.query(packState) };
    });

    expect(result.status).toBe('passed');
    expect(result.micro_tasks.map((t) => t.id)).toEqual(['MT-7.1', 'MT-7.2']);
    // tiny-coder fails MT-7.1 twice (escalate_after_failures: 2), then big-coder passes.
    expect(result.micro_tasks[0]?.iterations).toBe(3);
    expect(result.seat).toEqual(BIG);
    expect(result.swaps).toBe(1);

    const history = await handle.fetchHistory();
    const events = history.events ?? [];
    const invocations = activityResults(events, 'invokeModel') as { identity: Record<string, unknown>; tool_calls: { allowed: boolean; rule?: string }[] }[];
    expect(invocations).toHaveLength(4);
    expect(invocations.map((i) => [i.identity['micro_task'], i.identity['iteration'], i.identity['model']])).toEqual([
      ['MT-7.1', 1, 'tiny-coder-1b'],
      ['MT-7.1', 2, 'tiny-coder-1b'],
      ['MT-7.1', 3, 'big-coder-14b'],
      ['MT-7.2', 1, 'big-coder-14b'],
    ]);
    for (const invocation of invocations) {
      expect(invocation.identity).toMatchObject({
        workflow_id: setup.workflowId,
        role_id: 'coder',
        role_version: '2.3.0',
        location: 'local',
        role_pack_hash: expect.stringMatching(/^sha256:/),
        work_unit_pack_hash: expect.stringMatching(/^sha256:/),
        render_hash: expect.stringMatching(/^sha256:/),
        provider_registry_hash: expect.stringMatching(/^sha256:/),
      });
    }
    // The denied write into .ctxpack/ was recorded and never executed.
    expect(invocations[0]?.tool_calls).toContainEqual({ tool: 'write_file', path: '.ctxpack/roles/coder.yaml', allowed: false, rule: 'lock-deny' });
    expect(await readFile(path.join(setup.dir, '.ctxpack/roles/coder.yaml'), 'utf8')).toContain('governance_mode: strict');

    // History holds hashes and refs, never pack bodies.
    const historyText = JSON.stringify(history);
    expect(historyText).not.toContain('strict_rules');
    expect(historyText).not.toContain(setup.dir);

    // Escalation went through the swap path and recorded both hashes.
    const swaps = activityResults(events, 'swapPacks') as { result: Record<string, unknown> }[];
    expect(swaps).toHaveLength(1);
    expect(swaps[0]?.result).toMatchObject({ seat: BIG, decision: 'rebuilt' });
    expect(state.swap_log).toHaveLength(1);
    expect(state.swap_log[0]).toMatchObject({ via: 'workflow', reason: 'escalation', outcome: 'rebuilt' });

    // Search attributes and memo are current.
    const description = await handle.describe();
    expect(description.searchAttributes['CtxPackModel']).toEqual(['big-coder-14b']);
    expect(description.searchAttributes['CtxPackHash']).toEqual([result.binding.work_unit_pack_hash]);
    expect(description.searchAttributes['CtxPackCloud']).toEqual([false]);
    expect((description.memo?.['ctxpack'] as { swaps_total: number }).swaps_total).toBe(1);

    // Every pack hash in history is in the store.
    const store = new FilePackStore(path.join(setup.dir, '.ctxpack/store'));
    for (const invocation of invocations) {
      expect(await store.has(invocation.identity['work_unit_pack_hash'] as string)).toBe(true);
      expect(await store.has(invocation.identity['role_pack_hash'] as string)).toBe(true);
    }
  });

  it('rebuilds on a swap when a source changed and reuses when nothing did, both by Update', async () => {
    const setup = await setupJob('swap');
    await writeScript(setup.dir, GATED_PASSING_SCRIPT);
    const handle = await startJob(setup, jobInput(TINY));
    await runWorker(setup, async () => {
      const bound = await waitForState(handle, (s) => s.invocations === 0 && s.binding !== null && s.status === 'running');
      const original = bound.binding?.work_unit_pack_hash;

      await addFact(setup.dir, 'A late fact.');
      const rebuilt = await handle.executeUpdate(requestModelSwap, { args: [swap(BIG)] });
      expect(rebuilt.decision).toBe('rebuilt');
      expect(rebuilt.requested_pack_hash).toBe(original);
      expect(rebuilt.effective_pack_hash).not.toBe(original);

      const reused = await handle.executeUpdate(requestModelSwap, { args: [swap(TINY)] });
      expect(reused.decision).toBe('reused');
      expect(reused.requested_pack_hash).toBe(rebuilt.effective_pack_hash);
      expect(reused.effective_pack_hash).toBe(rebuilt.effective_pack_hash);

      // The rebuilt pack really contains the new fact.
      const store = new FilePackStore(path.join(setup.dir, '.ctxpack/store'));
      const pack = await loadWorkUnitPack(store, rebuilt.effective_pack_hash);
      expect(pack.payload.facts.map((f) => f.text)).toContain('A late fact.');

      await openGate(setup.dir);
      const result = await handle.result();
      expect(result.swaps).toBe(2);
      expect(result.binding.work_unit_pack_hash).toBe(rebuilt.effective_pack_hash);
    });
  });

  it('writes memo and search attributes at milestones, not on every swap; the live view follows every swap', async () => {
    const setup = await setupJob('milestones');
    await writeScript(setup.dir, GATED_PASSING_SCRIPT);
    const handle = await startJob(setup, jobInput(TINY));
    await runWorker(setup, async () => {
      await waitForState(handle, (s) => s.binding !== null && s.status === 'running');
      // Three swaps while the first model call is held at the gate.
      for (const [n, seat] of [BIG, TINY, BIG].entries()) await handle.executeUpdate(requestModelSwap, { args: [swap(seat, { request_id: `m-${n}` })] });
      const live = await handle.query(packState);
      expect(live.seat).toEqual(BIG);
      expect(live.swap_log).toHaveLength(3);
      // Memo and search attributes still say what the last milestone (the held invocation) ran on.
      const held = await handle.describe();
      expect(held.searchAttributes['CtxPackModel']).toEqual([TINY.model]);
      expect((held.memo?.['ctxpack'] as { swaps_total: number }).swaps_total).toBe(0);
      const during = (await handle.fetchHistory()).events ?? [];
      const accepted = during.findIndex((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
      expect(accepted).toBeGreaterThan(0);
      expect(during.slice(accepted).filter((e) => e.upsertWorkflowSearchAttributesEventAttributes || e.workflowPropertiesModifiedEventAttributes)).toEqual([]);
      expect(during.slice(accepted).filter((e) => e.workflowExecutionUpdateCompletedEventAttributes)).toHaveLength(3);

      await openGate(setup.dir);
      const result = await handle.result();
      expect(result.swaps).toBe(3);
      const done = await handle.describe();
      expect(done.searchAttributes['CtxPackModel']).toEqual([BIG.model]);
      expect(done.searchAttributes['CtxPackHash']).toEqual([result.binding.work_unit_pack_hash]);
      const memo = done.memo?.['ctxpack'] as { swaps_total: number; swap_log: { request_id: string }[]; seat: unknown };
      expect(memo.swaps_total).toBe(3);
      expect(memo.swap_log.map((e) => e.request_id)).toEqual(['m-0', 'm-1', 'm-2']);
      expect(memo.seat).toEqual(BIG);
    });
  });

  it('applies a swap sent by Signal through the same path, once per request id', async () => {
    const setup = await setupJob('signal');
    await writeScript(setup.dir, GATED_PASSING_SCRIPT);
    const handle = await startJob(setup, jobInput(TINY));
    await runWorker(setup, async () => {
      await waitForState(handle, (s) => s.binding !== null && s.status === 'running');
      const request = swap(BIG, { request_id: 'signal-once' });
      await handle.signal(modelSwap, request);
      await handle.signal(modelSwap, request);
      await handle.signal(modelSwap, { ...request, request_id: 'bad', model: 'no-such-model' });
      const state = await waitForState(handle, (s) => s.swap_log.length >= 2);
      expect(state.seat).toEqual(BIG);
      const applied = state.swap_log.filter((e) => e.request_id === 'signal-once');
      expect(applied).toHaveLength(1);
      expect(applied[0]).toMatchObject({ via: 'signal', outcome: 'reused' });
      expect(state.swap_log.find((e) => e.request_id === 'bad')).toMatchObject({ outcome: 'rejected', error: expect.stringContaining('not in role') });
      await openGate(setup.dir);
      await handle.result();
    });
  });

  it('rejects invalid swap Updates in the validator, leaving nothing in history', async () => {
    const setup = await setupJob('reject');
    await writeScript(setup.dir, GATED_PASSING_SCRIPT);
    // The orchestrator lists a cloud model but forbids cloud: a swap to it must fail on the role's
    // cloud check itself, not on the work-profile check before it (#14).
    const orchestrator = path.join(setup.dir, '.ctxpack/roles/orchestrator.yaml');
    await writeFile(
      orchestrator,
      (await readFile(orchestrator, 'utf8')).replace(
        '    - { provider: local-large, model: big-coder-14b }',
        '    - { provider: local-large, model: big-coder-14b }\n    - { provider: cloud-scripted, model: frontier-coder }',
      ),
    );
    const handle = await startJob(setup, jobInput(TINY));
    await runWorker(setup, async () => {
      await waitForState(handle, (s) => s.binding !== null && s.status === 'running');
      await handle.executeUpdate(requestModelSwap, { args: [swap(BIG, { request_id: 'used-once' })] });
      const before = (await handle.fetchHistory()).events?.length ?? 0;

      const cases: [string, ReturnType<typeof swap>, RegExp][] = [
        ['unknown role', swap({ ...BIG, role: 'reviewer' }), /unknown role "reviewer"/],
        ['model not in the work profile', swap({ ...BIG, model: 'gpt-9' }), /not in role "coder"'s work profile/],
        ['cloud without consent', swap(CLOUD), /no cloud consent/],
        ['cloud for a role that forbids it', swap({ role: 'orchestrator', model: 'frontier-coder', provider: 'cloud-scripted' }), /role "orchestrator" forbids cloud providers/],
        ['duplicate request id', swap(TINY, { request_id: 'used-once' }), /already used/],
        ['malformed request', { ...swap(TINY), reason: 'because' } as unknown as ReturnType<typeof swap>, /invalid swap request/],
      ];
      for (const [label, request, message] of cases) {
        const error = await handle.executeUpdate(requestModelSwap, { args: [request] }).catch((err: unknown) => err);
        expect(error, label).toBeInstanceOf(WorkflowUpdateFailedError);
        expect((error as WorkflowUpdateFailedError).cause?.message, label).toMatch(message);
      }
      expect((await handle.fetchHistory()).events?.length ?? 0).toBe(before);
      await openGate(setup.dir);
      await handle.result();
    });
  });

  it('rejects a cloud swap when the workspace forbids cloud, even with consent', async () => {
    const setup = await setupJob('nocloud');
    await writeScript(setup.dir, GATED_PASSING_SCRIPT);
    await writeFile(path.join(setup.dir, '.ctxpack/workspace.yaml'), 'schema_version: 1\ncloud_allowed: false\n');
    const handle = await startJob(setup, jobInput(TINY, { cloud_consent: true }));
    await runWorker(setup, async () => {
      await waitForState(handle, (s) => s.binding !== null && s.status === 'running');
      const error = await handle.executeUpdate(requestModelSwap, { args: [swap(CLOUD)] }).catch((err: unknown) => err);
      expect((error as WorkflowUpdateFailedError).cause?.message).toMatch(/workspace forbids cloud/);
      await openGate(setup.dir);
      await handle.result();
    });
  });

  it('allows a consented cloud swap and shows the cloud tier', async () => {
    const setup = await setupJob('cloud');
    await writeScript(setup.dir, GATED_PASSING_SCRIPT);
    const handle = await startJob(setup, jobInput(TINY, { cloud_consent: true }));
    await runWorker(setup, async () => {
      await waitForState(handle, (s) => s.binding !== null && s.status === 'running');
      const result = await handle.executeUpdate(requestModelSwap, { args: [swap(CLOUD, { reason: 'escalation' })] });
      expect(result.seat).toEqual(CLOUD);
      const state = await handle.query(packState);
      expect(state).toMatchObject({ location: 'cloud', cloud_tier: 'cloud-standard' });
      await openGate(setup.dir);
      await handle.result();
      // Search attributes are written at milestones: the next invocation ran on the cloud seat.
      expect((await handle.describe()).searchAttributes['CtxPackCloud']).toEqual([true]);
    });
  });

  it('survives a worker restart mid-job without losing its packs or swap log', async () => {
    const setup = await setupJob('restart');
    await writeScript(setup.dir, GATED_PASSING_SCRIPT);
    const handle = await startJob(setup, jobInput(TINY));
    await runWorker(setup, async () => {
      await waitForState(handle, (s) => s.binding !== null && s.status === 'running');
      await handle.executeUpdate(requestModelSwap, { args: [swap(BIG, { request_id: 'before-restart' })] });
      await openGate(setup.dir);
    });
    // A brand-new worker (new activities, new connection to the store) finishes the job.
    const { createActivities } = await import('../../activities/index.js');
    const fresh = { activities: createActivities({ workspaces: { demo: setup.dir } }) };
    const { result, state } = await runWorker({ ...setup, activities: fresh.activities }, async () => ({
      result: await handle.result(),
      state: await handle.query(packState),
    }));
    expect(result.status).toBe('passed');
    expect(result.seat).toEqual(BIG);
    expect(state.swap_log.map((e) => e.request_id)).toContain('before-restart');
    const events = (await handle.fetchHistory()).events ?? [];
    const invocations = activityResults(events, 'invokeModel') as { identity: { micro_task: string; iteration: number } }[];
    const keys = invocations.map((i) => `${i.identity.micro_task}#${i.identity.iteration}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('continues as new between micro-tasks, carrying the packs, swap log and request ids', async () => {
    const setup = await setupJob('can');
    await writeScript(setup.dir, GATED_PASSING_SCRIPT);
    const handle = await startJob(setup, jobInput(BIG, { micro_tasks_per_run: 1 }));
    const firstRunId = (await handle.describe()).runId;
    await runWorker(setup, async () => {
      await waitForState(handle, (s) => s.binding !== null && s.status === 'running');
      await handle.executeUpdate(requestModelSwap, { args: [swap(TINY, { request_id: 'carried-id' })] });
      await openGate(setup.dir);
      const state = await waitForState(handle, (s) => s.position.index === 1);
      expect(state.swap_log.map((e) => e.request_id)).toContain('carried-id');
      const latest = (await (await testTemporal()).client.workflow.getHandle(setup.workflowId).describe()).runId;
      expect(latest).not.toBe(firstRunId);
      // Update-id dedupe does not survive continue-as-new; the carried request ids do.
      const error = await handle.executeUpdate(requestModelSwap, { args: [swap(BIG, { request_id: 'carried-id' })] }).catch((e: unknown) => e);
      expect((error as WorkflowUpdateFailedError).cause?.message).toMatch(/already used/);
      const result = await handle.result();
      expect(result.micro_tasks.map((t) => t.id)).toEqual(['MT-7.1', 'MT-7.2']);
      expect(result.swaps).toBe(1);
    });
    const firstRun = await (await testTemporal()).client.workflow.getHandle(setup.workflowId, firstRunId).fetchHistory();
    expect(firstRun.events?.some((e) => e.workflowExecutionContinuedAsNewEventAttributes)).toBe(true);
  });

  it('fails the job with a typed error when a micro-task exhausts its iterations', async () => {
    const setup = await setupJob('exhaust');
    await writeScript(setup.dir, `schema_version: 1
responses:
  - when: {}
    text: broken
    tool_calls: [{ tool: write_file, path: src/config.js, content: "syntax error (" }]
`);
    const handle = await startJob(setup, jobInput(BIG));
    const error = await runWorker(setup, () => handle.result().catch((err: unknown) => err));
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(((error as WorkflowFailedError).cause as ApplicationFailure).type).toBe('MicroTaskExhausted');
  });
});
