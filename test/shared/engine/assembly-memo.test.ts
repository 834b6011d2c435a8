/**
 * The assembly memo: a second assembly with nothing changed returns the same packs without
 * rebuilding; any change to what assembly read (a file's bytes, a file appearing or vanishing)
 * rebuilds, and errors are exactly those of a fresh assembly.
 */
import { readFile, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { assemblePacks, assemblyMemo } from '../../../shared/engine/assemble/index.js';
import { PackSourceMissing } from '../../../shared/core/errors.js';
import { Workspace } from '../../../shared/engine/workspace-fs.js';
import { copyExampleWorkspace, WORK_UNIT } from '../../support/workspace.js';

async function fresh(dir: string) {
  const ws = await Workspace.open(dir);
  await assemblyMemo.forget(ws); // nothing remembered, in memory or saved: a full assembly
  return assemblePacks(ws, 'coder', { path: WORK_UNIT });
}

describe('the assembly memo', () => {
  beforeEach(() => assemblyMemo.clear());

  it('reuses packs when nothing changed, byte for byte', async () => {
    const dir = await copyExampleWorkspace('memo-same');
    const ws = await Workspace.open(dir);
    const first = await assemblePacks(ws, 'coder', { path: WORK_UNIT });
    const second = await assemblePacks(ws, 'coder', { path: WORK_UNIT });
    expect(assemblyMemo.stats).toMatchObject({ hits: 1, misses: 1 });
    expect(second.workUnit.hash).toBe(first.workUnit.hash);
    expect(Buffer.from(second.workUnit.bytes).equals(Buffer.from(first.workUnit.bytes))).toBe(true);
    // A different context window is a different assembly, not a reuse.
    await assemblePacks(ws, 'coder', { path: WORK_UNIT }, { contextWindow: 4096 });
    expect(assemblyMemo.stats.misses).toBe(2);
  });

  it('builds once for many concurrent identical assemblies, and all get the same bytes', async () => {
    const dir = await copyExampleWorkspace('memo-concurrent');
    const ws = await Workspace.open(dir);
    const all = await Promise.all(Array.from({ length: 20 }, () => assemblePacks(ws, 'coder', { path: WORK_UNIT })));
    expect(assemblyMemo.stats).toMatchObject({ misses: 1, hits: 19 });
    expect(new Set(all.map((p) => p.workUnit.hash)).size).toBe(1);
  });

  it('rebuilds after a notes edit that keeps the size and the mtime, giving what a fresh assembly gives', async () => {
    const dir = await copyExampleWorkspace('memo-edit');
    const ws = await Workspace.open(dir);
    const before = await assemblePacks(ws, 'coder', { path: WORK_UNIT });
    const notes = path.join(dir, 'docs/notes/wp-7.md');
    const text = await readFile(notes, 'utf8');
    const { mtime } = await import('node:fs/promises').then((fs) => fs.stat(notes));
    // Same length, different bytes, old mtime put back: only content (and ctime) tell.
    const at = text.search(/[a-z]/);
    await writeFile(notes, `${text.slice(0, at)}${text.charAt(at).toUpperCase()}${text.slice(at + 1)}`);
    await utimes(notes, mtime, mtime);
    const after = await assemblePacks(ws, 'coder', { path: WORK_UNIT });
    expect(assemblyMemo.stats.hits).toBe(0);
    expect(after.workUnit.hash).not.toBe(before.workUnit.hash);
    expect(after.workUnit.hash).toBe((await fresh(dir)).workUnit.hash);
  });

  it('rebuilds when a file assembly looked for moves, and reports a vanished input as a fresh assembly would', async () => {
    const dir = await copyExampleWorkspace('memo-exists');
    const ws = await Workspace.open(dir);
    const before = await assemblePacks(ws, 'coder', { path: WORK_UNIT });
    // The role file is looked up as .yaml, then .yml: renaming it changes what `exists` answers.
    const role = path.join(dir, '.ctxpack/roles/coder.yaml');
    await writeFile(path.join(dir, '.ctxpack/roles/coder.yml'), await readFile(role, 'utf8'));
    await rm(role);
    const after = await assemblePacks(ws, 'coder', { path: WORK_UNIT });
    expect(assemblyMemo.stats.hits).toBe(0);
    expect(after.workUnit.hash).toBe((await fresh(dir)).workUnit.hash);
    expect(before.role.pack.role.id).toBe('coder');

    await rm(path.join(dir, 'src/config.js'));
    const error = await assemblePacks(ws, 'coder', { path: WORK_UNIT }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(PackSourceMissing);
    const freshError = await fresh(dir).catch((err: unknown) => err);
    expect((error as Error).message).toBe((freshError as Error).message);
  });
});
