/** Fresh copies of the example workspace, so tests can change files without touching the repo. */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { forgetHashCache } from '../../shared/engine/assemble/hash-cache/index.js';
import { Workspace } from '../../shared/engine/workspace-fs.js';

export const EXAMPLE_WORKSPACE = fileURLToPath(new URL('../../examples/workspace/', import.meta.url));
export const WORK_UNIT = '.ctxpack/work-units/wp-7.yaml';

/** Copies the example workspace (without any store or cache) into a new temp directory and returns its path. */
export async function copyExampleWorkspace(label = 'ws'): Promise<string> {
  const parent = await mkdtemp(path.join(tmpdir(), `ctxpack-${label}-`));
  const target = path.join(parent, 'workspace');
  // Without the store and caches tests that read the example in place leave there: a copy starts
  // as a fresh checkout does.
  await cp(EXAMPLE_WORKSPACE, target, {
    recursive: true,
    filter: (source) => !/[\\/]\.ctxpack[\\/](store|cache)([\\/]|$)/.test(source),
  });
  return target;
}

/**
 * Removes a copy made by {@link copyExampleWorkspace} (its temp parent too). An assembly in this
 * process saves the workspace's hash cache after a short delay (hash-cache/persistence.ts), so that
 * write is settled first: otherwise it can land in `.ctxpack/cache` while the folder is being
 * removed, and the removal fails with ENOTEMPTY.
 */
export async function removeWorkspaceCopy(dir: string): Promise<void> {
  await forgetHashCache(await Workspace.open(dir));
  await rm(path.dirname(dir), { recursive: true, force: true });
}
