/**
 * The escalation ladder on real servers: the small rung is Gemma at -c 1024 whose registry entry
 * claims a 2048-token window (a misconfigured registry, and no request_fit), so the pack built for
 * it renders longer than the server's real window; the next rung is the same model at -c 4096 with
 * request_fit. The server's own error body (`exceed_context_size_error`) is classified as the
 * provider error class `context-window`; the role escalates on it, the pack is re-trimmed for the
 * larger window, and both hashes and the rebuild reasons are in history. What the real model then
 * writes fails verification: this test asserts the governance record, not the model's skill.
 */
import { describe, expect, it } from 'vitest';
import { invocations, swaps } from '../../cli/temporal/history-records.js';
import { packState } from '../../workflows/governed-job.js';
import { jobInput, runWorker, setupJob, startJob } from '../support/governed.js';
import { GEMMA_FIT, REAL_LARGE, REAL_SMALL, startRecordingProxy, useLlamaServers, useRealProviders } from './support/real-model.js';

const servers = useLlamaServers([1024, 4096]);

describe('the escalation ladder on real llama-servers', () => {
  it('escalates on the small server\'s context-window refusal and re-trims for the larger window', async () => {
    const [small, large] = servers() as [NonNullable<ReturnType<typeof servers>[number]>, NonNullable<ReturnType<typeof servers>[number]>];
    const smallProxy = await startRecordingProxy(small.origin);
    const largeProxy = await startRecordingProxy(large.origin);
    try {
      const setup = await setupJob('ladder-real');
      await useRealProviders(setup.dir, {
        small: `${smallProxy.origin}/v1`,
        large: `${largeProxy.origin}/v1`,
        windows: { small: 2048, large: 4096 },
        fit: { large: GEMMA_FIT },
        escalateOn: ['context-window'],
        maxIterations: 3,
      });
      const handle = await startJob(setup, jobInput(REAL_SMALL));
      const started = Date.now();
      const { outcome, state } = await runWorker(setup, async () => ({
        outcome: await handle.result().then(
          (result) => ({ passed: true as const, result }),
          (error: unknown) => ({ passed: false as const, error }),
        ),
        state: await handle.query(packState),
      }));
      const history = await handle.fetchHistory();

      // The small server really refused: HTTP 400 with its own error type, once (never retried as is).
      expect(smallProxy.exchanges).toHaveLength(1);
      const refusal = smallProxy.exchanges[0]!;
      expect(refusal.status).toBe(400);
      const body = JSON.parse(refusal.response.toString('utf8')) as { error: { type: string; n_prompt_tokens: number; n_ctx: number } };
      expect(body.error.type).toBe('exceed_context_size_error');
      expect(body.error.n_ctx).toBe(1024);
      expect(body.error.n_prompt_tokens).toBeGreaterThan(1024);
      const failures = (history.events ?? []).flatMap((e) => (e.activityTaskFailedEventAttributes ? [e.activityTaskFailedEventAttributes.failure] : []));
      expect(failures.map((f) => [f?.applicationFailureInfo?.type, f?.message])).toEqual([
        ['Provider:context-window', 'provider "local-small" answered HTTP 400 (exceed_context_size_error): the prompt does not fit the model\'s context window'],
      ]);

      // Escalated on that class, rebuilt for the larger window; both hashes and the reasons recorded.
      expect(state.swap_log).toEqual([
        expect.objectContaining({ reason: 'escalation', via: 'workflow', requester: 'workflow:provider-context-window', from: REAL_SMALL, to: REAL_LARGE, outcome: 'rebuilt' }),
      ]);
      const entry = state.swap_log[0]!;
      const [swapRecord] = swaps(history);
      expect(swapRecord?.result.result.rebuild_reasons).toContain('context-window');
      expect(swapRecord?.result.result).toMatchObject({ requested_pack_hash: entry.requested_pack_hash, effective_pack_hash: entry.effective_pack_hash });
      expect(entry.effective_pack_hash).not.toBe(entry.requested_pack_hash);

      // Every completed invocation ran on the larger server with the re-trimmed pack, under its window.
      const calls = invocations(history);
      expect(calls.length).toBeGreaterThan(0);
      expect(largeProxy.exchanges.filter((e) => e.path.endsWith('/chat/completions'))).toHaveLength(calls.length);
      for (const call of calls) {
        expect(call.result.identity).toMatchObject({ provider: 'local-large', work_unit_pack_hash: entry.effective_pack_hash });
        expect(call.result.usage.input_tokens + GEMMA_FIT.answer_tokens).toBeLessThanOrEqual(4096);
        for (const tool of call.result.tool_calls) expect(['read_file', 'run_tests']).toContain(tool.tool);
      }
      // The real model did not fix parseConfig: the job ends on the verification contract, recorded.
      if (!outcome.passed) expect(String((outcome.error as Error & { cause?: { type?: string } }).cause?.type)).toBe('MicroTaskExhausted');
      console.log(
        `ladder-real: small refused n_prompt_tokens ${body.error.n_prompt_tokens} > n_ctx ${body.error.n_ctx}; ` +
          `${calls.length} invocation(s) on -c 4096 (prompt_tokens ${calls.map((c) => c.result.usage.input_tokens).join(', ')}, cached ${calls.map((c) => c.result.usage.cached_input_tokens).join(', ')}); ` +
          `job ${outcome.passed ? 'passed' : 'failed verification'} in ${Math.round((Date.now() - started) / 1000)} s`,
      );
    } finally {
      await smallProxy.close();
      await largeProxy.close();
    }
  });
});
