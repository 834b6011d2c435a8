/**
 * RT-SWAP-001 on the server, one rejected swap Update per check (#14): a pinned pack built from a
 * role definition weaker than the current one (weaker governance mode, an extra tool, a wider write
 * lock, a wider read lock, a dropped deny rule) or for another role is refused, and the pack in force
 * stays. One job carries all the attempts; each is a real Update against the real dev server.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { assembleAndStore } from '../../shared/engine/assemble/index.js';
import { FilePackStore } from '../../shared/engine/store/index.js';
import { Workspace } from '../../shared/engine/workspace-fs.js';
import { packState, requestModelSwap } from '../../workflows/governed-job.js';
import { BIG, GATED_PASSING_SCRIPT, TINY, addFact, jobInput, openGate, runWorker, setupJob, startJob, swap, waitForState, writeScript } from '../support/governed.js';
import { WORK_UNIT } from '../support/workspace.js';

/** Role-file edits that make a pack weaker than the definition, and the problem RT-SWAP-001 must name. */
const WEAKER: { name: string; edit: (role: string) => string; problem: string }[] = [
  { name: 'weaker governance mode', edit: (r) => r.replace('governance_mode: strict', 'governance_mode: advisory'), problem: 'governance mode advisory is weaker than the required strict' },
  { name: 'extra tool', edit: (r) => r.replace('allowed_tools: [read_file,', 'allowed_tools: [shell, read_file,'), problem: 'tool not allowed by the role: shell' },
  { name: 'wider write lock', edit: (r) => r.replace('write: ["src/**", "test/**"]', 'write: ["src/**", "test/**", "docs/**"]'), problem: 'wider write lock: docs/**' },
  { name: 'wider read lock', edit: (r) => r.replace('read: ["docs/**", "package.json"]', 'read: ["docs/**", "package.json", "**"]'), problem: 'wider read lock: **' },
  { name: 'dropped deny rule', edit: (r) => r.replace('deny: [".env", "secrets/**", ".ctxpack/**"]', 'deny: ["secrets/**", ".ctxpack/**"]'), problem: 'deny rule dropped: .env' },
];

describe('RT-SWAP-001 on the server, for each check', () => {
  it(`refuses ${WEAKER.length + 1} pinned packs that are weaker or for another role, keeping the pack in force`, async () => {
    const setup = await setupJob('rtswap-each');
    await writeScript(setup.dir, GATED_PASSING_SCRIPT);
    const store = new FilePackStore(path.join(setup.dir, '.ctxpack/store'));
    const workspace = await Workspace.open(setup.dir);
    const roleFile = path.join(setup.dir, '.ctxpack/roles/coder.yaml');
    const original = await readFile(roleFile, 'utf8');

    const pinned: { name: string; hash: string; problem: string }[] = [];
    for (const weaker of WEAKER) {
      const edited = weaker.edit(original);
      expect(edited, weaker.name).not.toBe(original);
      await writeFile(roleFile, edited);
      const packs = await assembleAndStore(workspace, 'coder', { path: WORK_UNIT }, store);
      pinned.push({ name: weaker.name, hash: packs.workUnit.hash, problem: weaker.problem });
    }
    await writeFile(roleFile, original);
    // A pack of another role (same content, another role id).
    await writeFile(path.join(setup.dir, '.ctxpack/roles/reviewer.yaml'), original.replace('role_id: coder', 'role_id: reviewer'));
    const other = await assembleAndStore(workspace, 'reviewer', { path: WORK_UNIT }, store);
    pinned.push({ name: 'pinned pack of another role', hash: other.workUnit.hash, problem: 'is for role "reviewer", not "coder"' });

    const handle = await startJob(setup, jobInput(TINY));
    await runWorker(setup, async () => {
      const bound = await waitForState(handle, (s) => s.binding !== null && s.status === 'running');
      for (const attempt of pinned) {
        const error = await handle.executeUpdate(requestModelSwap, { args: [swap(BIG, { pinned_pack_hash: attempt.hash })] }).catch((err: unknown) => err);
        expect(error, attempt.name).toBeInstanceOf(WorkflowUpdateFailedError);
        const cause = (error as WorkflowUpdateFailedError).cause?.cause;
        expect(cause, attempt.name).toBeInstanceOf(ApplicationFailure);
        expect((cause as ApplicationFailure).type, attempt.name).toBe('RT-SWAP-001');
        expect((cause as ApplicationFailure).message, attempt.name).toContain(attempt.problem);
        const state = await handle.query(packState);
        expect(state.seat, attempt.name).toEqual(TINY);
        expect(state.binding?.work_unit_pack_hash, attempt.name).toBe(bound.binding?.work_unit_pack_hash);
        expect(state.swap_log.at(-1), attempt.name).toMatchObject({ outcome: 'rejected' });
      }
      const state = await handle.query(packState);
      expect(state.swap_log.filter((entry) => entry.outcome === 'rejected')).toHaveLength(pinned.length);
      await openGate(setup.dir);
      expect((await handle.result()).status).toBe('passed');
    });
  });

  it('never binds a stale pinned pack: it is rebuilt when policy allows, and the swap is refused when policy requires fresh packs', async () => {
    for (const policy of [{ regen_allowed: true, regen_required: false }, { regen_allowed: false, regen_required: true }]) {
      const setup = await setupJob(`rtswap-stale-${policy.regen_allowed}`);
      await writeScript(setup.dir, GATED_PASSING_SCRIPT);
      const store = new FilePackStore(path.join(setup.dir, '.ctxpack/store'));
      const old = await assembleAndStore(await Workspace.open(setup.dir), 'coder', { path: WORK_UNIT }, store);
      await addFact(setup.dir, 'A fact the pinned pack does not have.');
      const handle = await startJob(setup, jobInput(TINY, { freshness: policy }));
      await runWorker(setup, async () => {
        const bound = await waitForState(handle, (s) => s.binding !== null && s.status === 'running');
        const outcome = await handle.executeUpdate(requestModelSwap, { args: [swap(BIG, { pinned_pack_hash: old.workUnit.hash })] }).catch((err: unknown) => err);
        const state = await handle.query(packState);
        expect(state.binding?.work_unit_pack_hash).not.toBe(old.workUnit.hash);
        if (policy.regen_allowed) {
          // The current sources build the pack the job already holds: reused, never the stale one.
          expect(outcome).toMatchObject({ requested_pack_hash: old.workUnit.hash, effective_pack_hash: bound.binding?.work_unit_pack_hash });
          expect(state.seat).toEqual(BIG);
        } else {
          expect(outcome).toBeInstanceOf(WorkflowUpdateFailedError);
          expect(((outcome as WorkflowUpdateFailedError).cause?.cause as ApplicationFailure).type).toBe('ContextPackStale');
          expect(state.seat).toEqual(TINY);
          expect(state.binding?.work_unit_pack_hash).toBe(bound.binding?.work_unit_pack_hash);
        }
        await openGate(setup.dir);
        await handle.result();
      });
    }
  });
});
