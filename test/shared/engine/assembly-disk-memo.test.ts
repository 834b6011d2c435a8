/**
 * The assembly memo saved in `.ctxpack/cache`: a new process with nothing changed gets the packs of
 * the last assembly, byte for byte (and as the same objects, key order included); any change to an
 * input, any damaged, foreign or planted memo file means a full assembly whose result (or error) is
 * exactly a fresh one's. A "new process" here is this one with everything in memory dropped (the
 * in-process memo and the hash cache's state); one test runs the real CLI twice.
 */
import { cp, mkdir, readdir, readFile, rename, rm, stat, symlink, truncate, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forgetHashCache, HASH_CACHE_DIR } from '../../../shared/engine/assemble/hash-cache/index.js';
import { assemblePacks, assemblyMemo, type AssembledPacks } from '../../../shared/engine/assemble/index.js';
import { sha256 } from '../../../shared/engine/hash.js';
import { Workspace } from '../../../shared/engine/workspace-fs.js';
import { runCtxpack } from '../../support/cli.js';
import { copyExampleWorkspace, WORK_UNIT } from '../../support/workspace.js';

const cacheDir = (dir: string) => path.join(dir, ...HASH_CACHE_DIR.split('/'));

/** Waits out the file system's timestamp granularity, so the hash cache (and so the memo) may key files by their stat. */
async function settle(dir: string): Promise<void> {
  const probe = path.join(dir, '.settle-probe');
  await writeFile(probe, '');
  const { mtimeNs } = await stat(probe, { bigint: true });
  await sleep(mtimeNs % 1_000_000_000n === 0n ? 2100 : 30);
}

/** Assembly as a new process sees it: nothing in memory, whatever is saved in `.ctxpack/cache`. */
async function inNewProcess(dir: string, options = {}): Promise<AssembledPacks> {
  const ws = await Workspace.open(dir);
  assemblyMemo.clear();
  await forgetHashCache(ws);
  return assemblePacks(ws, 'coder', { path: WORK_UNIT }, options);
}

/** A full assembly: no memo in memory or on disk. */
async function fresh(dir: string, options = {}): Promise<AssembledPacks> {
  const ws = await Workspace.open(dir);
  await assemblyMemo.forget(ws);
  await forgetHashCache(ws);
  const packs = await assemblePacks(ws, 'coder', { path: WORK_UNIT }, options);
  assemblyMemo.clear();
  return packs;
}

/** The outcome of `run`: the packs' bytes and object JSON (key order included), or the error's code and message. */
async function outcome(run: () => Promise<AssembledPacks>): Promise<unknown> {
  try {
    const packs = await run();
    return {
      role: Buffer.from(packs.role.bytes).toString('utf8'),
      unit: Buffer.from(packs.workUnit.bytes).toString('utf8'),
      roleObject: JSON.stringify(packs.role.pack),
      unitObject: JSON.stringify(packs.workUnit.pack),
      hashes: [packs.role.hash, packs.workUnit.hash],
    };
  } catch (err) {
    return { error: (err as { code?: string }).code, message: (err as Error).message };
  }
}

async function memoFiles(dir: string): Promise<string[]> {
  return (await readdir(cacheDir(dir)).catch(() => [] as string[])).filter((n) => n.startsWith('assembly-memo.'));
}

/** A workspace assembled once (memo saved), settled so its files are keyed by stat. */
async function assembledWorkspace(label: string): Promise<string> {
  const dir = await copyExampleWorkspace(label);
  await settle(dir);
  await fresh(dir);
  expect(await memoFiles(dir)).toHaveLength(1);
  return dir;
}

describe('the saved assembly memo', () => {
  it('gives a new process the same packs, byte for byte and key for key, without rebuilding', async () => {
    const dir = await assembledWorkspace('disk-memo-same');
    const expected = await outcome(() => fresh(dir));
    const reused = await outcome(() => inNewProcess(dir));
    expect(assemblyMemo.stats).toMatchObject({ diskHits: 1, misses: 0 });
    expect(reused).toEqual(expected);
  });

  it('holds no host path and no temp file', async () => {
    const dir = await assembledWorkspace('disk-memo-contents');
    const [name] = await memoFiles(dir);
    const text = (await readFile(path.join(cacheDir(dir), name as string))).toString('latin1');
    expect(text).not.toContain(dir);
    expect(text).not.toContain(path.dirname(dir));
    expect((await readdir(cacheDir(dir))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  // Each change is made after a saved assembly; a new process must then give what a fresh assembly gives.
  const changes: Record<string, (dir: string) => Promise<void>> = {
    'a same-size edit with the mtime put back': async (dir) => {
      const file = path.join(dir, 'src/config.js');
      const text = await readFile(file, 'utf8');
      const { atime, mtime } = await stat(file);
      const at = text.search(/[a-z]/);
      await writeFile(file, `${text.slice(0, at)}${text.charAt(at).toUpperCase()}${text.slice(at + 1)}`);
      await utimes(file, atime, mtime);
    },
    'an edited notes file': async (dir) => writeFile(path.join(dir, 'docs/notes/wp-7.md'), `${await readFile(path.join(dir, 'docs/notes/wp-7.md'), 'utf8')}\n- one more fact\n`),
    'a required file renamed': async (dir) => rename(path.join(dir, 'src/config.js'), path.join(dir, 'src/config2.js')),
    'a required file renamed in the work unit too': async (dir) => {
      await rename(path.join(dir, 'src/config.js'), path.join(dir, 'src/config2.js'));
      const unit = path.join(dir, WORK_UNIT);
      await writeFile(unit, (await readFile(unit, 'utf8')).replace('src/config.js', 'src/config2.js'));
    },
    'a required file added': async (dir) => {
      await writeFile(path.join(dir, 'src/extra.js'), 'export const extra = 1;\n');
      const unit = path.join(dir, WORK_UNIT);
      await writeFile(unit, (await readFile(unit, 'utf8')).replace('  - src/config.js\n', '  - src/config.js\n  - src/extra.js\n'));
    },
    'a required file removed': async (dir) => rm(path.join(dir, 'test/config.test.js')),
    'a changed role definition': async (dir) => {
      const role = path.join(dir, '.ctxpack/roles/coder.yaml');
      await writeFile(role, (await readFile(role, 'utf8')).replace('Use only the allowed tools', 'Use the allowed tools only'));
    },
    'a codex file swapped for a symlink to a copy outside': async (dir) => {
      const outside = path.join(path.dirname(dir), 'outside-codex.md');
      await cp(path.join(dir, 'docs/codex.md'), outside);
      await rm(path.join(dir, 'docs/codex.md'));
      await symlink(outside, path.join(dir, 'docs/codex.md'));
    },
    'a source directory swapped for a symlink to a copy outside': async (dir) => {
      const outside = path.join(path.dirname(dir), 'outside-src');
      await cp(path.join(dir, 'src'), outside, { recursive: true, preserveTimestamps: true });
      await rm(path.join(dir, 'src'), { recursive: true });
      await symlink(outside, path.join(dir, 'src'));
    },
    'a truncated memo file': async (dir) => {
      const [name] = await memoFiles(dir);
      const file = path.join(cacheDir(dir), name as string);
      await truncate(file, (await stat(file)).size - 100);
    },
    'a corrupt byte in the packs': async (dir) => {
      const [name] = await memoFiles(dir);
      const file = path.join(cacheDir(dir), name as string);
      const bytes = await readFile(file);
      const at = bytes.length - 50;
      bytes[at] = (bytes[at] as number) ^ 0x20;
      await writeFile(file, bytes);
    },
    'a corrupt header': async (dir) => {
      const [name] = await memoFiles(dir);
      const file = path.join(cacheDir(dir), name as string);
      await writeFile(file, Buffer.concat([Buffer.from('{"format":'), await readFile(file)]));
    },
    'garbage for a memo file': async (dir) => {
      const [name] = await memoFiles(dir);
      await writeFile(path.join(cacheDir(dir), name as string), Buffer.from([0, 1, 2, 10, 255, 254]));
    },
    'an empty memo file': async (dir) => {
      const [name] = await memoFiles(dir);
      await writeFile(path.join(cacheDir(dir), name as string), '');
    },
    'a directory where the memo file was': async (dir) => {
      const [name] = await memoFiles(dir);
      await rm(path.join(cacheDir(dir), name as string));
      await mkdir(path.join(cacheDir(dir), name as string, 'x'), { recursive: true });
    },
    'a symlink where the memo file was': async (dir) => {
      const [name] = await memoFiles(dir);
      const file = path.join(cacheDir(dir), name as string);
      await rename(file, `${file}.real`);
      await symlink(`${file}.real`, file);
    },
    "another version's memo (header edited consistently)": async (dir) => {
      const [name] = await memoFiles(dir);
      const file = path.join(cacheDir(dir), name as string);
      const bytes = await readFile(file);
      const newline = bytes.indexOf(10);
      const header = JSON.parse(bytes.subarray(0, newline).toString('utf8')) as { builder: string };
      header.builder = '0.0.1';
      await writeFile(file, Buffer.concat([Buffer.from(JSON.stringify(header)), bytes.subarray(newline)]));
    },
  };

  for (const [what, change] of Object.entries(changes)) {
    it(`assembles in full after ${what}, giving what a fresh assembly gives`, async () => {
      const dir = await assembledWorkspace('disk-memo-change');
      await change(dir);
      const reused = await outcome(() => inNewProcess(dir));
      expect(assemblyMemo.stats.diskHits).toBe(0);
      expect(reused).toEqual(await outcome(() => fresh(dir)));
    });
  }

  it('names the damage and the fix when a planted memo (hashes consistent) has a key order that does not fit its pack', async () => {
    const dir = await assembledWorkspace('disk-memo-planted-order');
    const [name] = await memoFiles(dir);
    const file = path.join(cacheDir(dir), name as string);
    const bytes = await readFile(file);
    const newline = bytes.indexOf(10);
    const header = JSON.parse(bytes.subarray(0, newline).toString('utf8')) as { sections: number[]; hashes: string[] };
    // The last section is the work-unit pack's key order: replace it, and its length and hash with it.
    const order = Buffer.from(JSON.stringify({ keys: ['not-a-pack-key'], values: [0] }));
    const kept = bytes.subarray(newline + 1, bytes.length - (header.sections.at(-1) as number));
    header.sections[header.sections.length - 1] = order.length;
    header.hashes[header.hashes.length - 1] = sha256(order);
    await writeFile(file, Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), kept, order]));
    const packs = await inNewProcess(dir);
    expect(assemblyMemo.stats.diskHits).toBe(1);
    expect(packs.workUnit.hash).toMatch(/^sha256:/);
    expect(() => packs.workUnit.pack).toThrow(expect.objectContaining({ code: 'ContextPackArtifactCorrupt', fix: expect.stringContaining('.ctxpack/cache') }));
    expect(() => packs.workUnit.pack).toThrow(/does not fit the pack/);
  });

  it('is not reused with other options (a context window), and each option set keeps its own', async () => {
    const dir = await assembledWorkspace('disk-memo-options');
    const windowed = await outcome(() => fresh(dir, { contextWindow: 2048 })); // leaves only the windowed memo
    await inNewProcess(dir);
    expect(assemblyMemo.stats).toMatchObject({ diskHits: 0, misses: 1 });
    expect(await memoFiles(dir)).toHaveLength(2);
    expect(await outcome(() => inNewProcess(dir, { contextWindow: 2048 }))).toEqual(windowed);
    expect(assemblyMemo.stats).toMatchObject({ diskHits: 1, misses: 0 });
    expect(await outcome(() => inNewProcess(dir))).not.toEqual(windowed);
    expect(assemblyMemo.stats.diskHits).toBe(1);
  });

  it('is foreign in another workspace: a memo copied in from a copy of the workspace is not reused', async () => {
    const a = await assembledWorkspace('disk-memo-a');
    const b = await copyExampleWorkspace('disk-memo-b');
    await settle(b);
    await mkdir(cacheDir(b), { recursive: true });
    for (const name of await memoFiles(a)) await cp(path.join(cacheDir(a), name), path.join(cacheDir(b), name));
    const reused = await outcome(() => inNewProcess(b));
    expect(assemblyMemo.stats.diskHits).toBe(0);
    expect(reused).toEqual(await outcome(() => fresh(b)));
  });

  it('replaces a bad memo with a good one, so the process after that reuses again', async () => {
    const dir = await assembledWorkspace('disk-memo-repair');
    const [name] = await memoFiles(dir);
    await writeFile(path.join(cacheDir(dir), name as string), 'not a memo');
    await inNewProcess(dir);
    expect(assemblyMemo.stats).toMatchObject({ diskHits: 0, misses: 1 });
    await inNewProcess(dir);
    expect(assemblyMemo.stats).toMatchObject({ diskHits: 1, misses: 0 });
    expect((await readdir(cacheDir(dir))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('reuses across processes of the real CLI, printing the same result', async () => {
    const dir = await copyExampleWorkspace('disk-memo-cli');
    // The copy may bring the example's own cache (tests assemble examples/workspace in place).
    await rm(cacheDir(dir), { recursive: true, force: true });
    await settle(dir);
    const args = ['assemble', '--workspace', dir, '--role', 'coder', '--work-unit', path.join(dir, WORK_UNIT), '--json'];
    const cold = await runCtxpack(args);
    expect(cold.code, cold.stderr).toBe(0);
    expect(await memoFiles(dir)).toHaveLength(1);
    const again = await runCtxpack(args);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(cold.stdout);
    // What assemble prints is kept under the packs' hashes: a damaged copy is recomputed, never printed.
    const summary = path.join(cacheDir(dir), 'assemble-summary.v1.json');
    await writeFile(summary, (await readFile(summary, 'utf8')).replace(/"render_hash":"sha256:[0-9a-f]/, '"render_hash":"sha256:X'));
    const repaired = await runCtxpack(args);
    expect(repaired.stdout).toBe(cold.stdout);
    await writeFile(summary, 'garbage');
    expect((await runCtxpack(args)).stdout).toBe(cold.stdout);
  }, 60_000);

  it('gives a fresh assembly\'s packs for random notes, required files and edits', async () => {
    const dir = await copyExampleWorkspace('disk-memo-random');
    const unitPath = path.join(dir, WORK_UNIT);
    const unitText = await readFile(unitPath, 'utf8');
    const name = fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/);
    const file = fc.record({ name, content: fc.string({ maxLength: 200 }) });
    const scenario = fc.record({
      files: fc.uniqueArray(file, { minLength: 1, maxLength: 6, selector: (f) => f.name }),
      facts: fc.array(fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ,.]{0,40}$/), { maxLength: 4 }),
      edit: fc.option(fc.record({ index: fc.nat(), content: fc.string({ maxLength: 200 }) })),
    });
    await fc.assert(
      fc.asyncProperty(scenario, async ({ files, facts, edit }) => {
        await rm(path.join(dir, 'src/rand'), { recursive: true, force: true });
        await mkdir(path.join(dir, 'src/rand'), { recursive: true });
        for (const f of files) await writeFile(path.join(dir, 'src/rand', `${f.name}.js`), f.content);
        const list = files.map((f) => `  - src/rand/${f.name}.js\n`).join('');
        await writeFile(unitPath, unitText.replace('required_files:\n', `required_files:\n${list}`));
        await writeFile(path.join(dir, 'docs/notes/wp-7.md'), `# Synopsis\nRandom run.\n\n## Facts\n${facts.map((f) => `- ${f}`).join('\n')}\n`);
        await settle(dir);
        const cold = await outcome(() => fresh(dir));
        expect(await outcome(() => inNewProcess(dir))).toEqual(cold);
        expect(assemblyMemo.stats.diskHits).toBe(1);
        if (edit) {
          const target = files[edit.index % files.length] as { name: string };
          await writeFile(path.join(dir, 'src/rand', `${target.name}.js`), edit.content);
          const after = await outcome(() => inNewProcess(dir));
          expect(after).toEqual(await outcome(() => fresh(dir)));
        }
      }),
      { numRuns: 12 },
    );
  }, 120_000);
});
