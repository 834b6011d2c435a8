/**
 * Structured results on the real dev server (#16): a validator's verdict accepted into history,
 * redacted on its way there, rejected (schema) as a typed non-retryable failure with the answer
 * kept in the store, and replay rebuilding exactly the bytes the invocation rendered.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { inject, describe, expect, it } from 'vitest';
import { ModelResponseRecord, loadRunArtifact } from '../../activities/run-artifacts.js';
import { canonicalBytes } from '../../shared/core/canonical.js';
import { sha256 } from '../../shared/engine/hash.js';
import type { Seat } from '../../shared/core/schema/governed-job.js';
import { FilePackStore } from '../../shared/engine/store/index.js';
import { runCtxpack } from '../support/cli.js';
import { jobInput, runWorker, setupJob, startJob, writeScript, type JobSetup } from '../support/governed.js';

const VALIDATOR: Seat = { role: 'validator', model: 'tiny-reviewer-1b', provider: 'local-small' };
// A token in GitHub's format and a path in this worker's home: neither may reach history.
const TOKEN = `ghp_${'R8mQ2vX7kT4nB9wL3pY6sD1fH5jC0gZeA2uN'}`;
const env = () => ({ TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_UI_URL: 'http://ui.test' });

type Events = NonNullable<Awaited<ReturnType<Awaited<ReturnType<typeof startJob>>['fetchHistory']>>['events']>;

function invokeResults(events: Events): Record<string, unknown>[] {
  const scheduled = new Set(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'invokeModel').map((e) => String(e.eventId)));
  return events
    .filter((e) => e.activityTaskCompletedEventAttributes && scheduled.has(String(e.activityTaskCompletedEventAttributes.scheduledEventId)))
    .map((e) => JSON.parse(Buffer.from(e.activityTaskCompletedEventAttributes?.result?.payloads?.[0]?.data ?? new Uint8Array()).toString('utf8')) as Record<string, unknown>);
}

/** A validator job whose verification passes at once, so each micro-task is one invocation. */
async function validatorJob(label: string, script: string): Promise<JobSetup> {
  const setup = await setupJob(label);
  await writeFile(path.join(setup.dir, 'test/config.test.js'), "import test from 'node:test';\ntest('passes', () => {});\n");
  await writeScript(setup.dir, script);
  return setup;
}

describe('structured results in a governed job', () => {
  it('accepts a valid verdict, redacts it, records only it and its hash in history, and replay rebuilds the same bytes', async () => {
    const home = process.env['HOME'] ?? '/root';
    const setup = await validatorJob(
      'result-ok',
      `schema_version: 1
responses:
  - when: { micro_task: MT-7.1 }
    text: "Full review text that stays in the store only."
    result:
      verdict: fail
      findings:
        - { file: src/config.js, line: 3, message: "token ${TOKEN} leaked from ${home}/notes.txt" }
  - when: {}
    result: { verdict: pass, findings: [] }
`,
    );
    const handle = await startJob(setup, jobInput(VALIDATOR));
    const outcome = await runWorker(setup, () => handle.result());
    expect(outcome.status).toBe('passed');

    const history = await handle.fetchHistory();
    const [first, second] = invokeResults(history.events ?? []);
    expect(first?.['result']).toEqual({
      verdict: 'fail',
      findings: [{ file: 'src/config.js', line: 3, message: 'token [REDACTED:github-token] leaked from <home>/notes.txt' }],
    });
    expect(first?.['result_hash']).toBe(sha256(canonicalBytes(first?.['result'])));
    expect(first?.['result_redactions']).toEqual({ 'github-token': 1, 'host-path': 1 });
    expect(second?.['result']).toEqual({ verdict: 'pass', findings: [] });
    expect(second?.['result_redactions']).toBeUndefined();
    const text = JSON.stringify(history);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('Full review text');

    // The whole answer (raw result included) is the content-addressed artifact, as before.
    const store = new FilePackStore(path.join(setup.dir, '.ctxpack/store'));
    const stored = await loadRunArtifact(store, first?.['response_hash'] as string, ModelResponseRecord, 'model response');
    expect(stored.text).toBe('Full review text that stays in the store only.');
    expect(JSON.stringify(stored.result)).toContain(TOKEN);

    // Replay renders through the same function as invokeModel: the same bytes, result instructions included.
    const seen = await runCtxpack(['replay', setup.workflowId, '--show', '1', '--json', '--workspace', setup.dir], { env: env() });
    expect(seen.code, seen.stderr).toBe(0);
    const replayed = JSON.parse(seen.stdout) as { replay: { deterministic: boolean }; messages: { role: string; content: string }[]; invocation: { render_hash: string } };
    expect(replayed.replay.deterministic).toBe(true);
    expect(sha256(canonicalBytes(replayed.messages))).toBe((first?.['identity'] as { render_hash: string }).render_hash);
    expect(replayed.messages[0]?.content).toContain('## Result (required)');
    expect(replayed.messages[0]?.content).toContain('"enum":["fail","pass"]');
  });

  it('rejects a result that breaks the schema: ModelResultInvalid, not retried, problems by field path, no value echoed, the answer kept', async () => {
    const setup = await validatorJob(
      'result-bad',
      `schema_version: 1
responses:
  - when: {}
    text: "I am not sure."
    result:
      verdict: maybe
      findings:
        - { file: src/config.js, line: 0, message: "${TOKEN}" }
        - { line: 2, message: "" }
      extra: "${TOKEN}"
`,
    );
    const handle = await startJob(setup, jobInput(VALIDATOR));
    const error = await runWorker(setup, () => handle.result().catch((err: unknown) => err));
    expect(error).toBeInstanceOf(WorkflowFailedError);

    const events = (await handle.fetchHistory()).events ?? [];
    const failures = events.filter((e) => e.activityTaskFailedEventAttributes).map((e) => e.activityTaskFailedEventAttributes?.failure);
    expect(failures).toHaveLength(1);
    const failure = failures[0];
    expect(failure?.applicationFailureInfo?.type).toBe('ModelResultInvalid');
    expect(failure?.applicationFailureInfo?.nonRetryable).toBe(true);
    const started = events.find((e) => e.activityTaskStartedEventAttributes && events.some((s) => String(s.eventId) === String(e.activityTaskStartedEventAttributes?.scheduledEventId) && s.activityTaskScheduledEventAttributes?.activityType?.name === 'invokeModel'));
    expect(started?.activityTaskStartedEventAttributes?.attempt).toBe(1);
    const message = failure?.message ?? '';
    for (const problem of [
      'verdict: must be equal to one of the allowed values',
      'findings[0].line: must be >= 1',
      'findings[1].file: is missing',
      'findings[1].message: must NOT have fewer than 1 characters',
      '(root): has a field the schema does not declare (name not shown)',
    ]) {
      expect(message).toContain(problem);
    }
    expect(JSON.stringify(events)).not.toContain(TOKEN);
    expect(message).not.toContain('extra');

    const hash = /stored as (sha256:[0-9a-f]{64})/.exec(message)?.[1];
    const store = new FilePackStore(path.join(setup.dir, '.ctxpack/store'));
    const stored = await loadRunArtifact(store, hash ?? 'missing', ModelResponseRecord, 'model response');
    expect(stored).toMatchObject({ text: 'I am not sure.', result: { verdict: 'maybe' } });
  });
});
