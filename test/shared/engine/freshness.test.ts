import { appendFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assemblePacks } from '../../../shared/engine/assemble/index.js';
import { ContextPackRegenDenied, ContextPackRegenFailed, ContextPackStale, PackSchemaInvalid } from '../../../shared/core/errors.js';
import { decideFreshness, findStaleSources } from '../../../shared/engine/freshness.js';
import type { Sha256 } from '../../../shared/engine/hash.js';
import { Workspace } from '../../../shared/engine/workspace-fs.js';
import { copyExampleWorkspace, WORK_UNIT } from '../../support/workspace.js';

const OTHER: Sha256 = `sha256:${'b'.repeat(64)}`;

async function built() {
  const dir = await copyExampleWorkspace('fresh');
  const workspace = await Workspace.open(dir);
  const packs = await assemblePacks(workspace, 'coder', { path: WORK_UNIT });
  return { dir, workspace, packs };
}

describe('staleness', () => {
  it('finds nothing stale right after assembly', async () => {
    const { workspace, packs } = await built();
    expect(await findStaleSources(workspace, packs.workUnit.pack.sources)).toEqual([]);
  });

  it('names the changed source by id, whatever the order of the list', async () => {
    const { dir, workspace, packs } = await built();
    await appendFile(path.join(dir, 'src/config.js'), '// edited\n');
    const reversed = [...packs.workUnit.pack.sources].reverse();
    const changes = await findStaleSources(workspace, reversed);
    expect(changes.map((c) => c.source_id)).toEqual(['file:src/config.js']);
    expect(changes[0]?.was).toBe(packs.workUnit.pack.sources.find((s) => s.source_id === 'file:src/config.js')?.source_hash);
  });

  it('reports a removed source with now: null', async () => {
    const { dir, workspace, packs } = await built();
    await rm(path.join(dir, 'docs/notes/wp-7.md'));
    const changes = await findStaleSources(workspace, packs.workUnit.pack.sources);
    expect(changes).toContainEqual(expect.objectContaining({ source_id: 'context:docs/notes/wp-7.md', now: null }));
  });
});

describe('the freshness policy', () => {
  const change = [{ source_id: 'file:src/config.js', was: OTHER, now: null }];
  const hash: Sha256 = `sha256:${'a'.repeat(64)}`;

  it('uses a fresh pack as is', async () => {
    const decision = await decideFreshness({ packHash: hash, changes: [], policy: { regen_allowed: false, regen_required: true }, regenerate: async () => OTHER });
    expect(decision).toEqual({ decision: 'fresh', pack_hash: hash });
  });

  it('regenerates a stale pack when allowed and records old and new', async () => {
    const decision = await decideFreshness({ packHash: hash, changes: change, policy: { regen_allowed: true, regen_required: true }, regenerate: async () => OTHER });
    expect(decision).toMatchObject({ decision: 'regenerated', old: hash, new: OTHER });
  });

  it('falls back to the stale pack with a stale_pack marker when neither allowed nor required', async () => {
    const decision = await decideFreshness({ packHash: hash, changes: change, policy: { regen_allowed: false, regen_required: false }, regenerate: async () => OTHER });
    expect(decision).toMatchObject({ decision: 'stale-fallback', marker: `stale_pack:${hash}` });
  });

  it('fails with ContextPackStale and a regen_skipped marker when freshness is required but regeneration is not allowed', async () => {
    const error = await decideFreshness({ packHash: hash, changes: change, policy: { regen_allowed: false, regen_required: true }, regenerate: async () => OTHER }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContextPackStale);
    expect((error as ContextPackStale).details['marker']).toBe(`regen_skipped:${hash}`);
  });

  it('fails with ContextPackRegenFailed when a required regeneration fails', async () => {
    const failing = async (): Promise<Sha256> => {
      throw new PackSchemaInvalid('roles.coder: broken', 'fix it');
    };
    const error = await decideFreshness({ packHash: hash, changes: change, policy: { regen_allowed: true, regen_required: true }, regenerate: failing }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContextPackRegenFailed);
    expect((error as Error).message).toContain('PackSchemaInvalid');
  });

  it('degrades instead when a regeneration that is not required fails', async () => {
    const failing = async (): Promise<Sha256> => {
      throw new Error('disk gone');
    };
    const decision = await decideFreshness({ packHash: hash, changes: change, policy: { regen_allowed: true, regen_required: false }, regenerate: failing });
    expect(decision).toMatchObject({ decision: 'stale-fallback' });
  });

  it('refuses an explicit regeneration request when the policy does not allow it', async () => {
    const error = await decideFreshness({ packHash: hash, changes: [], force: true, policy: { regen_allowed: false, regen_required: false }, regenerate: async () => OTHER }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContextPackRegenDenied);
  });
});
