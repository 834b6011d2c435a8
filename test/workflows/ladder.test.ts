/**
 * The escalation ladder's triggers: failed verifications (see governed-job.test.ts), provider error
 * classes, and token budgets (context windows). Each escalation goes through the swap path, and a
 * rung with another context window re-trims the payload: a recorded reason for `rebuilt`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { loadWorkUnitPack } from '../../shared/engine/pack-io.js';
import { FilePackStore } from '../../shared/engine/store/index.js';
import { packState, requestModelSwap } from '../../workflows/governed-job.js';
import { BIG, GATED_PASSING_SCRIPT, TINY, jobInput, openGate, runWorker, setupJob, startJob, swap, waitForState, writeScript } from '../support/governed.js';

async function edit(file: string, from: string, to: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  if (!text.includes(from)) throw new Error(`${path.basename(file)} does not contain ${from}`);
  await writeFile(file, text.replace(from, to));
}

const FAILING_TINY = `schema_version: 1
responses:
  - when: { model: tiny-coder-1b }
    fail: bad-response
  - when: {}
    text: done
`;

describe('the escalation ladder', () => {
  it('escalates on a provider error class the work profile names', async () => {
    const setup = await setupJob('ladder-provider');
    await writeScript(setup.dir, FAILING_TINY);
    await edit(path.join(setup.dir, '.ctxpack/roles/coder.yaml'), '  max_iterations: 6\n', '  max_iterations: 6\n  escalate_on_provider_errors: [bad-response]\n');
    const handle = await startJob(setup, jobInput(TINY));
    const { result, state } = await runWorker(setup, async () => ({ result: await handle.result(), state: await handle.query(packState) }));
    expect(result.status).toBe('passed');
    expect(result.seat).toEqual(BIG);
    expect(state.swap_log).toHaveLength(1);
    expect(state.swap_log[0]).toMatchObject({ reason: 'escalation', via: 'workflow', requester: 'workflow:provider-bad-response', to: BIG });
  });

  it('escalates on a retryable provider error class at once, without waiting out the retries', async () => {
    const setup = await setupJob('ladder-unavailable');
    await writeScript(setup.dir, FAILING_TINY.replace('fail: bad-response', 'fail: unavailable'));
    await edit(path.join(setup.dir, '.ctxpack/roles/coder.yaml'), '  max_iterations: 6\n', '  max_iterations: 6\n  escalate_on_provider_errors: [unavailable]\n');
    const handle = await startJob(setup, jobInput(TINY));
    const result = await runWorker(setup, () => handle.result());
    expect(result.seat).toEqual(BIG);
    const { events } = await handle.fetchHistory();
    const failed = (events ?? []).filter((e) => e.activityTaskFailedEventAttributes);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.activityTaskFailedEventAttributes?.failure?.applicationFailureInfo).toMatchObject({ type: 'Provider:unavailable', nonRetryable: true });
    // The failed call ran once: an unavailable model the ladder can leave is not retried first.
    const attempts = (events ?? []).map((e) => e.activityTaskStartedEventAttributes?.attempt).filter((a): a is number => typeof a === 'number');
    expect(Math.max(...attempts)).toBe(1);
  });

  it('fails the job on a provider error the work profile does not escalate on', async () => {
    const setup = await setupJob('ladder-provider-fail');
    await writeScript(setup.dir, FAILING_TINY);
    const handle = await startJob(setup, jobInput(TINY));
    const error = await runWorker(setup, () => handle.result().catch((err: unknown) => err));
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(((error as WorkflowFailedError).cause?.cause as ApplicationFailure).type).toBe('Provider:bad-response');
  });

  it("re-trims the payload to a smaller model's context window, and a swap to a larger one is rebuilt for that reason", async () => {
    const setup = await setupJob('ladder-window');
    await writeScript(setup.dir, GATED_PASSING_SCRIPT);
    await edit(path.join(setup.dir, '.ctxpack/providers.yaml'), '{ id: tiny-coder-1b, context_window: 8192 }', '{ id: tiny-coder-1b, context_window: 1500 }');
    const handle = await startJob(setup, jobInput(TINY));
    await runWorker(setup, async () => {
      const bound = await waitForState(handle, (s) => s.binding !== null && s.status === 'running');
      const store = new FilePackStore(path.join(setup.dir, '.ctxpack/store'));
      const small = await loadWorkUnitPack(store, bound.binding?.work_unit_pack_hash ?? '');
      expect(small.budgets.payload_tokens.limit).toBeLessThan(500);
      expect(small.payload.coverage.skipped.some((s) => s.reason === 'budget')).toBe(true);

      const result = await handle.executeUpdate(requestModelSwap, { args: [swap(BIG)] });
      expect(result.decision).toBe('rebuilt');
      expect(result.rebuild_reasons).toEqual(['context-window']);
      // The reason is in the swap log operators read (query, memo), not only in the activity result.
      const state = await handle.query(packState);
      expect(state.swap_log.at(-1)).toMatchObject({ outcome: 'rebuilt', rebuild_reasons: ['context-window'] });
      const large = await loadWorkUnitPack(store, result.effective_pack_hash);
      expect(large.budgets.payload_tokens.limit).toBe(3000);
      await openGate(setup.dir);
      await handle.result();
    });
  });

  it('moves a job whose starting model cannot hold the pack to the next rung before invoking anything', async () => {
    const setup = await setupJob('ladder-budget');
    await edit(path.join(setup.dir, '.ctxpack/providers.yaml'), '{ id: tiny-coder-1b, context_window: 8192 }', '{ id: tiny-coder-1b, context_window: 1100 }');
    const handle = await startJob(setup, jobInput(TINY));
    const result = await runWorker(setup, () => handle.result());
    expect(result.seat).toEqual(BIG);
    const history = await handle.fetchHistory();
    const invoked = JSON.stringify(history).match(/invoke tiny-coder-1b/g) ?? [];
    expect(invoked).toHaveLength(0);
  });
});
