/**
 * RT-SWAP-001 and RT-ROLE-001 through a whole governed job on the dev server: the refusal reaches
 * the caller (Update) or fails the job (workflow), the pack in force stays bound, and the model is
 * never called on a refused identity. The per-check cases are in rt-swap.test.ts and rt-role.test.ts.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { FilePackStore } from '../../shared/engine/store/index.js';
import { packState, requestModelSwap } from '../../workflows/governed-job.js';
import { BIG, GATED_PASSING_SCRIPT, TINY, jobInput, openGate, runWorker, setupJob, startJob, swap, waitForRunningActivity, waitForState, writeScript } from '../support/governed.js';

describe('red-team cases through a governed job', () => {
  it('RT-SWAP-001: refuses a pinned pack weaker than the role definition, keeping the pack in force', async () => {
    const setup = await setupJob('rtswap');
    await writeScript(setup.dir, GATED_PASSING_SCRIPT);
    // A pack built before the role gained a rule: valid once, too weak now.
    const { assembleAndStore } = await import('../../shared/engine/assemble/index.js');
    const { Workspace } = await import('../../shared/engine/workspace-fs.js');
    const store = new FilePackStore(path.join(setup.dir, '.ctxpack/store'));
    const old = await assembleAndStore(await Workspace.open(setup.dir), 'coder', { path: '.ctxpack/work-units/wp-7.yaml' }, store);
    const roleFile = path.join(setup.dir, '.ctxpack/roles/coder.yaml');
    await writeFile(roleFile, (await readFile(roleFile, 'utf8')).replace('strict_rules:\n', 'strict_rules:\n  - Never disable a test.\n'));

    const handle = await startJob(setup, jobInput(TINY));
    await runWorker(setup, async () => {
      const bound = await waitForState(handle, (s) => s.binding !== null && s.status === 'running');
      const error = await handle
        .executeUpdate(requestModelSwap, { args: [swap(BIG, { pinned_pack_hash: old.workUnit.hash })] })
        .catch((err: unknown) => err);
      expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
      const cause = (error as WorkflowUpdateFailedError).cause?.cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect((cause as ApplicationFailure).type).toBe('RT-SWAP-001');
      expect((cause as ApplicationFailure).message).toContain('strict rule missing: "Never disable a test."');
      const state = await handle.query(packState);
      expect(state.seat).toEqual(TINY);
      expect(state.binding?.work_unit_pack_hash).toBe(bound.binding?.work_unit_pack_hash);
      expect(state.swap_log.at(-1)).toMatchObject({ outcome: 'rejected' });
      await openGate(setup.dir);
      await handle.result();
    });
  });

  it('RT-ROLE-001: fails without calling the model when the bound pack has a wrong codex version', async () => {
    let calls = 0;
    const { defaultProviderFactory } = await import('../../activities/invoke-model.js');
    const setup = await setupJob('rtrole', {
      providerFactory: async (snapshot, context) => {
        const provider = await defaultProviderFactory(snapshot, context);
        return { id: provider.id, complete: (request) => ((calls += 1), provider.complete(request)) };
      },
    });
    await writeScript(setup.dir, GATED_PASSING_SCRIPT.replace('text: done\n  - when: {}', 'text: done\n    tool_calls: [{ tool: write_file, path: src/config.js, content: "broken(" }]\n  - when: {}'));
    const handle = await startJob(setup, jobInput(TINY));
    await runWorker(setup, async () => {
      // Iteration 1's model call is in flight (held at the gate): it passed its identity check.
      await waitForRunningActivity(handle, 'invokeModel');
      const roleFile = path.join(setup.dir, '.ctxpack/roles/coder.yaml');
      // The role now demands codex 3.2.0; the bound pack still carries 3.1.0.
      await writeFile(roleFile, (await readFile(roleFile, 'utf8')).replace('version: 3.1.0', 'version: 3.2.0'));
      await openGate(setup.dir);
      const error = await handle.result().catch((err: unknown) => err);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      const failure = (error as WorkflowFailedError).cause?.cause;
      expect((failure as ApplicationFailure).type).toBe('RT-ROLE-001');
      expect((failure as ApplicationFailure).message).toContain('codex engineering-codex is version 3.1.0 in the pack; the role requires 3.2.0');
    });
    // Iteration 1 reached the model; iteration 2 was refused before it.
    expect(calls).toBe(1);
    // A typed failure carries no stack frames, so no host path of the worker reaches history.
    const historyText = JSON.stringify(await handle.fetchHistory());
    expect(historyText).toContain('RT-ROLE-001');
    expect(historyText).not.toContain(fileURLToPath(new URL('../../', import.meta.url)));
    expect(historyText).not.toContain(setup.dir);
  });
});
