/**
 * A large work unit's pack is built in concurrent parts (required files hashed on the pool while the
 * payload and the task fields are built); a small one part after the other. Either way a work unit
 * with several problems must be reported by the first one in build order: required files, then
 * context sources, then paths, then task fields; and the same inputs must give the same bytes,
 * redactions from every part included. Every case runs both ways: as written (a few required files)
 * and with 300 more (over the pool's threshold).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assemblePacks, assemblyMemo } from '../../../shared/engine/assemble/index.js';
import { Workspace } from '../../../shared/engine/workspace-fs.js';
import { copyExampleWorkspace, removeWorkspaceCopy, WORK_UNIT } from '../../support/workspace.js';

const created: string[] = [];
afterEach(async () => {
  assemblyMemo.clear();
  await Promise.all(created.splice(0).map(removeWorkspaceCopy));
});

const PADDING = 300;
type Size = 'small' | 'large';

/**
 * A copy of the example workspace whose work unit is edited by `edit` (YAML text in, YAML text out);
 * `large` appends PADDING existing files to its required files (after those the cases name, so their
 * indices stay).
 */
async function workspaceWith(edit: (yaml: string) => string, size: Size): Promise<string> {
  const dir = await copyExampleWorkspace('order');
  created.push(dir);
  const file = path.join(dir, WORK_UNIT);
  let yaml = edit(await readFile(file, 'utf8'));
  if (size === 'large') {
    const padding = Array.from({ length: PADDING }, (_, i) => `src/pad/p${String(i).padStart(3, '0')}.js`);
    await mkdir(path.join(dir, 'src/pad'), { recursive: true });
    await Promise.all(padding.map((rel, i) => writeFile(path.join(dir, rel), `export const p = ${i};\n`)));
    yaml = yaml.replace(/^verification:/m, `${padding.map((rel) => `  - ${rel}`).join('\n')}\nverification:`);
  }
  await writeFile(file, yaml);
  return dir;
}

async function failureOf(dir: string): Promise<Error> {
  try {
    await assemblePacks(await Workspace.open(dir), 'coder', { path: WORK_UNIT });
  } catch (err) {
    return err as Error;
  }
  throw new Error('the assembly was expected to fail');
}

const token = ['ghp', '_', 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8'].join('');
const otherToken = ['ghp', '_', 'Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2'].join('');
const missingContext = (yaml: string) => yaml.replace('docs/notes/wp-7.md', 'docs/notes/gone.md');
// Ids of a valid charset that are credentials: the work unit loads, and the sanitizer refuses them.
const badTaskId = (yaml: string) => yaml.replace('id: MT-7.2', `id: ${token}`);
const badJobId = (yaml: string) => yaml.replace('job_id: JOB-2026-0007', `job_id: ${otherToken}`);

describe.each(['small', 'large'] as const)('a %s work unit with several problems is reported by the first in build order', (size) => {
  it('a missing required file before a missing context source and a bad task id', async () => {
    const dir = await workspaceWith((y) => badTaskId(missingContext(y.replace('  - test/config.test.js', '  - test/config.test.js\n  - src/missing.js'))), size);
    const err = await failureOf(dir);
    expect(err.message).toContain('required_files[2]');
    expect(err.message).not.toContain('context_sources');
  });

  it('a missing required file late in a list of 300 before a missing context source', async () => {
    const dir = await workspaceWith((y) => {
      const lines = Array.from({ length: 300 }, (_, i) => `  - src/gen/f${String(i).padStart(3, '0')}.js`);
      return missingContext(y.replace('  - test/config.test.js', ['  - test/config.test.js', ...lines].join('\n')));
    }, size);
    await mkdir(path.join(dir, 'src/gen'), { recursive: true });
    // Every generated file exists but one, near the end of the list.
    await Promise.all(Array.from({ length: 300 }, (_, i) => (i === 287 ? undefined : writeFile(path.join(dir, `src/gen/f${String(i).padStart(3, '0')}.js`), `export const n = ${i};\n`))));
    const err = await failureOf(dir);
    expect(err.message).toContain('required_files[289]');
    expect(err.message).not.toContain('context_sources');
  });

  it('a missing context source before a bad task id and a bad job id', async () => {
    const dir = await workspaceWith((y) => badJobId(badTaskId(missingContext(y))), size);
    const err = await failureOf(dir);
    expect(err.message).toContain('context_sources[0]');
    expect(err.message).not.toContain('micro_tasks');
  });

  it('a required file path that carries a secret before a bad task id', async () => {
    const dir = await workspaceWith((y) => badTaskId(y.replace('  - test/config.test.js', `  - test/config.test.js\n  - src/${otherToken}.js`)), size);
    await writeFile(path.join(dir, `src/${otherToken}.js`), 'export {};\n');
    const err = await failureOf(dir);
    expect(err.message).toContain('required_files[2]');
    expect(err.message).not.toContain(otherToken);
    expect(err.message).not.toContain('micro_tasks');
  });

  it('a bad micro task id before a bad job id', async () => {
    const dir = await workspaceWith((y) => badJobId(badTaskId(y)), size);
    const err = await failureOf(dir);
    expect(err.message).toContain('micro_tasks[1].id');
    expect(err.message).not.toContain('job_id');
    expect(err.message).not.toContain(token);
  });
});

describe.each(['small', 'large'] as const)('a %s work unit gives the same bytes however its parts interleave', (size) => {
  it('redactions from the payload and the task fields, in two copies, give one hash', async () => {
    const edit = (y: string) => y.replace('title: Require a positive integer port', `title: Require a positive integer port (token ${token})`);
    const hashes = new Set<string>();
    for (let copy = 0; copy < 2; copy += 1) {
      const dir = await workspaceWith(edit, size);
      const notes = path.join(dir, 'docs/notes/wp-7.md');
      await writeFile(notes, (await readFile(notes, 'utf8')).replace('## Facts\n', `## Facts\n- CI pushes with ${token} today.\n`));
      const packs = await assemblePacks(await Workspace.open(dir), 'coder', { path: WORK_UNIT });
      expect(packs.workUnit.pack.redactions).toEqual(
        expect.arrayContaining([
          { source_id: 'context:docs/notes/wp-7.md', rule: 'github-token', count: 1 },
          { source_id: 'work-unit:.ctxpack/work-units/wp-7.yaml', rule: 'github-token', count: 1 },
        ]),
      );
      expect(Buffer.from(packs.workUnit.bytes).toString('utf8')).not.toContain(token);
      hashes.add(packs.workUnit.hash);
    }
    expect(hashes.size).toBe(1);
  });
});
