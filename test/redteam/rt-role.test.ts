/**
 * RT-ROLE-001 (#14): the identity check refuses, before any model is called, a binding whose role
 * version, role, role-pack hash or model does not agree with the packs (checked on the workspace
 * worker and again on a model-call worker that has no workspace, only the shared store), and on the
 * workspace side also a role whose live definition moved on (new version, model removed).
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { defaultProviderFactory } from '../../activities/invoke-model.js';
import type { InvokeModelInput } from '../../activities/types.js';
import { FilePackStore } from '../../shared/engine/store/index.js';
import { BIG, WORKSPACE_ID, bindSeat, setupJob, type JobSetup } from '../support/governed.js';

const made: string[] = [];
afterAll(async () => {
  for (const dir of made) await rm(path.dirname(dir), { recursive: true, force: true, maxRetries: 5 });
});

function counting(): { calls: () => number; factory: typeof defaultProviderFactory } {
  let calls = 0;
  return {
    calls: () => calls,
    factory: async (snapshot, context) => {
      const provider = await defaultProviderFactory(snapshot, context);
      return { id: provider.id, complete: (request) => ((calls += 1), provider.complete(request)) };
    },
  };
}

async function refusal(attempt: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await attempt.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  expect((error as ApplicationFailure).type).toBe('RT-ROLE-001');
  return error as ApplicationFailure;
}

describe('RT-ROLE-001', () => {
  it('refuses a tampered binding or seat on the workspace worker and on a model-call worker without the workspace', async () => {
    const provider = counting();
    const setup: JobSetup = await setupJob('rtrole-each', { providerFactory: provider.factory });
    made.push(setup.dir);
    const binding = await bindSeat(setup, BIG);
    const other = await bindSeat(setup, { role: 'validator', model: 'big-coder-14b', provider: 'local-large' });
    const base = { workspace_id: WORKSPACE_ID, seat: BIG, binding, cloud_consent: false };
    const prepared = await setup.activities.prepareInvocation(base);
    // A worker with no workspace: it sees the packs only through the (shared) store.
    const remote = createActivities({ workspaces: {}, store: new FilePackStore(path.join(setup.dir, '.ctxpack/store')), providerFactory: provider.factory });
    const invoke = (over: Partial<InvokeModelInput>): InvokeModelInput => ({
      ...base,
      workflow_id: 'rt-role',
      run_id: 'run',
      micro_task: 'MT-7.1',
      iteration: 1,
      provider_snapshot_hash: prepared.provider_snapshot_hash,
      ...over,
    });

    const cases: { name: string; seat?: typeof BIG; binding: typeof binding; problem: string }[] = [
      { name: 'role version', binding: { ...binding, role_version: '9.9.9' }, problem: 'binding claims role version 9.9.9, pack has 2.3.0' },
      { name: 'seat vs pack role', seat: { ...BIG, role: 'validator' }, binding, problem: 'seat role "validator" but bound pack is for role "coder"' },
      { name: 'work-unit hash', binding: { ...binding, work_unit_pack_hash: other.work_unit_pack_hash }, problem: 'work-unit pack was built for role pack' },
      { name: 'model not in the pack\'s profile', seat: { ...BIG, model: 'gpt-9' }, binding, problem: 'model gpt-9@local-large is not in the role pack\'s work profile' },
    ];
    for (const testCase of cases) {
      const seat = testCase.seat ?? BIG;
      const local = await refusal(setup.activities.prepareInvocation({ ...base, seat, binding: testCase.binding }));
      expect(local.message, `workspace worker: ${testCase.name}`).toContain(testCase.problem);
      const onRemote = await refusal(remote.invokeModel(invoke({ seat, binding: testCase.binding })));
      expect(onRemote.message, `model-call worker: ${testCase.name}`).toContain(testCase.problem);
    }
    expect(provider.calls()).toBe(0);
    // The untampered call goes through on the model-call worker: the refusals were the checks, not the setup.
    await remote.invokeModel(invoke({}));
    expect(provider.calls()).toBe(1);
  });

  it('refuses a binding the live role definition has moved past: a new role version, a model removed from the profile', async () => {
    const provider = counting();
    const setup = await setupJob('rtrole-live', { providerFactory: provider.factory });
    made.push(setup.dir);
    const binding = await bindSeat(setup, BIG);
    const roleFile = path.join(setup.dir, '.ctxpack/roles/coder.yaml');
    const original = await readFile(roleFile, 'utf8');
    const base = { workspace_id: WORKSPACE_ID, seat: BIG, binding, cloud_consent: false };

    await writeFile(roleFile, original.replace('role_version: 2.3.0', 'role_version: 2.4.0'));
    const version = await refusal(setup.activities.prepareInvocation(base));
    expect(version.message).toContain('the role is version 2.4.0 now; the bound pack is for 2.3.0');

    await writeFile(roleFile, original.replace('    - { provider: local-large, model: big-coder-14b }\n', ''));
    const removed = await refusal(setup.activities.prepareInvocation(base));
    expect(removed.message).toContain('model big-coder-14b@local-large is no longer in role "coder"\'s work profile');
    expect(provider.calls()).toBe(0);
  });
});
