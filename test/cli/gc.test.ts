import { readFile, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { assembleAndStore } from '../../shared/engine/assemble/index.js';
import { FilePackStore } from '../../shared/engine/store/index.js';
import { Workspace } from '../../shared/engine/workspace-fs.js';
import { BIG, GATED_PASSING_SCRIPT, bindSeat, jobInput, openGate, runWorker, setupJob, startJob, waitForState, writeScript } from '../support/governed.js';
import { runCtxpack } from '../support/cli.js';
import { WORK_UNIT } from '../support/workspace.js';

const OLD = new Date(Date.now() - 30 * 24 * 60 * 60 * 1000);

function file(dir: string, hash: string): string {
  const hex = hash.slice(7);
  return path.join(dir, '.ctxpack/store/sha256', hex.slice(0, 2), hex);
}

describe('ctxpack gc', () => {
  it('cannot lose the old pack a job binds a moment before gc --delete runs, and still removes real orphans', async () => {
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

    // The packs the job is about to bind exist already and are a month old: the race the issue
    // describes (visibility does not list the job yet; only the packs' age can protect them).
    const prebound = await bindSeat(setup, BIG);
    for (const hash of [prebound.role_pack_hash, prebound.work_unit_pack_hash]) await utimes(file(setup.dir, hash), OLD, OLD);

    const env = { TEMPORAL_ADDRESS: inject('temporalAddress') };
    const handle = await startJob(setup, jobInput(BIG));
    await runWorker(setup, async () => {
      const bound = await waitForState(handle, (s) => s.binding !== null);
      expect(bound.binding?.work_unit_pack_hash).toBe(prebound.work_unit_pack_hash);
      // Binding refreshed both packs' age.
      for (const hash of [prebound.role_pack_hash, prebound.work_unit_pack_hash]) {
        expect((await stat(file(setup.dir, hash))).mtimeMs).toBeGreaterThan(Date.now() - 10 * 60_000);
      }

      // gc --delete at once, no waiting for visibility, with retention 0 (no closed job protects anything).
      const result = await runCtxpack(['gc', '--workspace', setup.dir, '--retention-days', '0', '--delete', '--json'], { env });
      expect(result.code, result.stderr).toBe(0);
      const plan = JSON.parse(result.stdout) as { removable: { hash: string }[]; deleted: string[] };
      expect(plan.deleted).toEqual([orphan.workUnit.hash]);
      expect(await store.has(orphan.workUnit.hash)).toBe(false);
      expect(await store.has(prebound.work_unit_pack_hash)).toBe(true);
      expect(await store.has(prebound.role_pack_hash)).toBe(true);
      expect(await store.has(young.workUnit.hash)).toBe(true);

      await openGate(setup.dir);
      expect((await handle.result()).status).toBe('passed');
    });
  });

  it('refreshes the age of bytes stored again (put) and of a touched pack, and says when there is nothing to touch', async () => {
    const setup = await setupJob('gc-touch');
    const store = new FilePackStore(path.join(setup.dir, '.ctxpack/store'));
    const bytes = new TextEncoder().encode('{"kind":"x"}');
    const first = await store.put(bytes);
    await utimes(file(setup.dir, first.hash), OLD, OLD);
    const again = await store.put(bytes);
    expect(again.created).toBe(false);
    expect((await stat(file(setup.dir, first.hash))).mtimeMs).toBeGreaterThan(OLD.getTime() + 24 * 60 * 60 * 1000);
    await utimes(file(setup.dir, first.hash), OLD, OLD);
    expect(await store.touch(first.hash)).toBe(true);
    expect((await stat(file(setup.dir, first.hash))).mtimeMs).toBeGreaterThan(OLD.getTime() + 24 * 60 * 60 * 1000);
    expect(await store.touch(`sha256:${'0'.repeat(64)}`)).toBe(false);
  });
});
