/**
 * A model-call worker whose store is not the workspace worker's: the call fails before anything is
 * sent, with an error that says the workers must share one store (and no host path in it).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { FilePackStore } from '../../shared/engine/store/index.js';
import { BIG, WORKSPACE_ID, bindSeat, setupJob } from '../support/governed.js';

describe('workers that do not share a pack store', () => {
  it('refuses the model call with ContextPackArtifactCorrupt naming the fix, not a host path', async () => {
    const setup = await setupJob('split-store');
    const otherDir = await mkdtemp(path.join(tmpdir(), 'ctxpack-other-store-'));
    // A general worker: no workspace, its own (empty) store.
    let calls = 0;
    const general = createActivities({
      workspaces: {},
      store: new FilePackStore(otherDir),
      providerFactory: async () => ({ id: 'never', complete: async () => ((calls += 1), { text: '', toolCalls: [], usage: { inputTokens: 0, outputTokens: 0 }, providerModel: 'x' }) }),
    });
    const binding = await bindSeat(setup, BIG);
    const prepared = await setup.activities.prepareInvocation({ workspace_id: WORKSPACE_ID, seat: BIG, binding, cloud_consent: false });
    const error = await general
      .invokeModel({
        workspace_id: WORKSPACE_ID,
        provider_snapshot_hash: prepared.provider_snapshot_hash,
        workflow_id: 'split-store',
        run_id: 'run',
        micro_task: 'MT-7.1',
        iteration: 1,
        seat: BIG,
        binding,
        cloud_consent: false,
      })
      .catch((err: unknown) => err);
    expect(calls).toBe(0);
    // The activity boundary turns the pack error into a typed, non-retryable failure (fix included).
    expect(error).toBeInstanceOf(ApplicationFailure);
    const failure = error as ApplicationFailure;
    expect(failure.type).toBe('ContextPackArtifactCorrupt');
    expect(failure.nonRetryable).toBe(true);
    const message = failure.message;
    expect(message).toContain('is missing from the store this worker reads (a file store)');
    expect(message).toContain('every worker that serves a job must use the same pack store');
    expect(message).not.toContain(otherDir);
    expect(message).not.toContain(setup.dir);
  });
});
