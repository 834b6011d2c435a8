import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assemblePacks } from '../../../shared/engine/assemble/index.js';
import { diffPacks } from '../../../shared/core/diff.js';
import { Workspace } from '../../../shared/engine/workspace-fs.js';
import { copyExampleWorkspace, WORK_UNIT } from '../../support/workspace.js';

describe('pack diff', () => {
  it('is empty for identical packs', async () => {
    const dir = await copyExampleWorkspace('diff0');
    const a = await assemblePacks(await Workspace.open(dir), 'coder', { path: WORK_UNIT });
    expect(diffPacks(a.role.pack, a.role.pack)).toEqual([]);
  });

  it('reports rules, tools and lock-set changes field by field', async () => {
    const dir = await copyExampleWorkspace('diff1');
    const ws = await Workspace.open(dir);
    const before = await assemblePacks(ws, 'coder', { path: WORK_UNIT });
    const file = path.join(dir, '.ctxpack/roles/coder.yaml');
    const role = (await readFile(file, 'utf8'))
      .replace('allowed_tools: [read_file, write_file, run_tests]', 'allowed_tools: [read_file, write_file]')
      .replace('write: ["src/**", "test/**"]', 'write: ["src/**"]')
      .replace('  - Finish each micro-task', '  - Never commit.\n  - Finish each micro-task');
    await writeFile(file, role);
    const after = await assemblePacks(ws, 'coder', { path: WORK_UNIT });
    const changes = diffPacks(before.role.pack, after.role.pack);
    expect(changes).toContainEqual({ field: 'allowed_tools', change: 'removed', before: 'run_tests' });
    expect(changes).toContainEqual({ field: 'lock_set.write', change: 'removed', before: 'test/**' });
    expect(changes).toContainEqual({ field: 'strict_rules', change: 'added', after: 'Never commit.' });
  });

  it('reports required files and payload items by their keys', async () => {
    const dir = await copyExampleWorkspace('diff2');
    const ws = await Workspace.open(dir);
    const before = await assemblePacks(ws, 'coder', { path: WORK_UNIT });
    await writeFile(path.join(dir, 'src/config.js'), 'export const changed = true;\n');
    const notes = path.join(dir, 'docs/notes/wp-7.md');
    await writeFile(notes, (await readFile(notes, 'utf8')).replace('## Facts\n', '## Facts\n- A new fact.\n'));
    const after = await assemblePacks(ws, 'coder', { path: WORK_UNIT });
    const fields = diffPacks(before.workUnit.pack, after.workUnit.pack).map((c) => `${c.change} ${c.field}`);
    expect(fields).toContain('changed required_files[src/config.js].sha256');
    expect(fields.some((f) => /^added payload\.facts\[fact-[0-9a-f]{16}\]$/.test(f))).toBe(true);
  });
});
