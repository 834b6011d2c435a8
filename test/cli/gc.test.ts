import { readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { assembleAndStore } from '../../shared/assemble/index.js';
import { FilePackStore } from '../../shared/store/index.js';
import { Workspace } from '../../shared/workspace-fs.js';
import { BIG, GATED_PASSING_SCRIPT, jobInput, openGate, runWorker, setupJob, startJob, waitForState, writeScript } from '../support/governed.js';
import { runCtxpack } from '../support/cli.js';
import { WORK_UNIT } from '../support/workspace.js';

const OLD = new Date(Date.now() - 30 * 24 * 60 * 60 * 1000);

function file(dir: string, hash: string): string {
  const hex = hash.slice(7);
  return path.join(dir, '.ctxpack/store/sha256', hex.slice(0, 2), hex);
}

describe('ctxpack gc', () => {
  it('lists, then deletes, only old packs no running or recent job references', async () => {
    const setup = await setupJob('gc');
    await writeScript(setup.dir, GATED_PASSING_SCRIPT);
    const store = new FilePackStore(path.join(setup.dir, '.ctxpack/store'));
    const workspace = await Workspace.open(setup.dir);
    const notes = path.join(setup.dir, 'docs/notes/wp-7.md');
    const original = await readFile(notes, 'utf8');

    // An old pack nobody references, and a young one nobody references.
    await writeFile(notes, original.replace('## Facts\n', '## Facts\n- Only in the orphan pack.\n'));
    const orphan = await assembleAndStore(workspace, 'coder', { path: WORK_UNIT }, store);
    await utimes(file(setup.dir, orphan.workUnit.hash), OLD, OLD);
    await writeFile(notes, original.replace('## Facts\n', '## Facts\n- Only in the young pack.\n'));
    const young = await assembleAndStore(workspace, 'coder', { path: WORK_UNIT }, store);
    await writeFile(notes, original);

    const env = { TEMPORAL_ADDRESS: inject('temporalAddress') };
    const handle = await startJob(setup, jobInput(BIG));
    await runWorker(setup, async () => {
      const bound = await waitForState(handle, (s) => s.binding !== null && s.status === 'running');
      const running = bound.binding?.work_unit_pack_hash ?? '';
      // Old, but a running job binds it: never removable.
      await utimes(file(setup.dir, running), OLD, OLD);

      let plan: { removable: { hash: string }[]; deleted: string[] } = { removable: [], deleted: [] };
      for (let i = 0; i < 50; i += 1) {
        const result = await runCtxpack(['gc', '--workspace', setup.dir, '--json'], { env });
        expect(result.code, result.stderr).toBe(0);
        plan = JSON.parse(result.stdout) as typeof plan;
        if (!plan.removable.some((r) => r.hash === running)) break; // visibility has caught up
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const removable = plan.removable.map((r) => r.hash);
      expect(removable).toContain(orphan.workUnit.hash);
      expect(removable).not.toContain(running);
      expect(removable).not.toContain(young.workUnit.hash);
      expect(plan.deleted).toEqual([]);
      expect(await store.has(orphan.workUnit.hash)).toBe(true);

      const deleted = await runCtxpack(['gc', '--workspace', setup.dir, '--delete'], { env });
      expect(deleted.code, deleted.stderr).toBe(0);
      expect(deleted.stdout).toMatch(/deleted {2}sha256:[0-9a-f]{12}/);
      expect(await store.has(orphan.workUnit.hash)).toBe(false);
      expect(await store.has(running)).toBe(true);
      expect(await store.has(young.workUnit.hash)).toBe(true);

      await openGate(setup.dir);
      await handle.result();
    });
  });
});
