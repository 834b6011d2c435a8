import { readdir, readFile, writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonSchemas } from '../../shared/core/json-schema.js';
import { runCtxpack } from '../support/cli.js';
import { copyExampleWorkspace, WORK_UNIT } from '../support/workspace.js';

interface AssembleJson {
  role_pack_hash: string;
  work_unit_pack_hash: string;
  render_hash: string;
  store_refs: { role: { store: string; key: string }; workUnit: { store: string; key: string } };
  redactions: unknown[];
  warnings: string[];
}

async function assemble(dir: string): Promise<AssembleJson> {
  const result = await runCtxpack(['assemble', '--workspace', dir, '--role', 'coder', '--work-unit', path.join(dir, WORK_UNIT), '--json']);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as AssembleJson;
}

describe('ctxpack assemble / verify / diff / schema', () => {
  it('assembles, stores and prints the hashes and store refs', async () => {
    const dir = await copyExampleWorkspace('cli');
    const out = await assemble(dir);
    expect(out.role_pack_hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(out.store_refs.workUnit).toEqual({ store: 'file', key: `sha256/${out.work_unit_pack_hash.slice(7)}` });
    expect(out.render_hash).toMatch(/^sha256:/);
    const human = await runCtxpack(['assemble', '--workspace', dir, '--role', 'coder', '--work-unit', path.join(dir, WORK_UNIT)]);
    expect(human.stdout).toContain(out.work_unit_pack_hash);
  });

  it('verifies a stored pack by hash and by file', async () => {
    const dir = await copyExampleWorkspace('verify');
    const out = await assemble(dir);
    const byHash = await runCtxpack(['verify', out.work_unit_pack_hash, '--workspace', dir, '--json']);
    expect(byHash.code).toBe(0);
    expect(JSON.parse(byHash.stdout)).toMatchObject({ ok: true, hash: out.work_unit_pack_hash, kind: 'WorkUnitContextPack' });
    const file = path.join(dir, '.ctxpack/store', out.store_refs.role.key.replace('sha256/', 'sha256/' + out.store_refs.role.key.slice(7, 9) + '/'));
    const byFile = await runCtxpack(['verify', file]);
    expect(byFile.code).toBe(0);
    expect(byFile.stdout).toContain(out.role_pack_hash);
  });

  it('exits 1 naming the problem for a corrupted artifact', async () => {
    const dir = await copyExampleWorkspace('corrupt');
    const out = await assemble(dir);
    const hex = out.work_unit_pack_hash.slice(7);
    const file = path.join(dir, '.ctxpack/store/sha256', hex.slice(0, 2), hex);
    const bytes = await readFile(file);
    bytes[10] = bytes[10] === 0x61 ? 0x62 : 0x61;
    await writeFile(file, bytes);
    const result = await runCtxpack(['verify', out.work_unit_pack_hash, '--workspace', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/corrupt/);
    expect(result.stderr).toMatch(/fix: /);
  });

  it('exits 1 for a pack file that is not canonical', async () => {
    const dir = await copyExampleWorkspace('noncanon');
    const out = await assemble(dir);
    const hex = out.role_pack_hash.slice(7);
    const pretty = path.join(dir, 'pretty.json');
    await writeFile(pretty, JSON.stringify(JSON.parse(await readFile(path.join(dir, '.ctxpack/store/sha256', hex.slice(0, 2), hex), 'utf8')), null, 2));
    const result = await runCtxpack(['verify', pretty]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/not in canonical form/);
  });

  it('diffs two packs field by field', async () => {
    const dir = await copyExampleWorkspace('clidiff');
    const before = await assemble(dir);
    await writeFile(path.join(dir, 'src/config.js'), 'export {};\n');
    const after = await assemble(dir);
    const result = await runCtxpack(['diff', before.work_unit_pack_hash, after.work_unit_pack_hash, '--workspace', dir, '--json']);
    expect(result.code).toBe(0);
    const diff = JSON.parse(result.stdout) as { identical: boolean; changes: { field: string }[] };
    expect(diff.identical).toBe(false);
    expect(diff.changes.map((c) => c.field)).toContain('required_files[src/config.js].sha256');
    const human = await runCtxpack(['diff', before.work_unit_pack_hash, after.work_unit_pack_hash, '--workspace', dir]);
    expect(human.stdout).toMatch(/^~ required_files\[src\/config\.js\]\.sha256: /m);
  });

  it('prints one line with the fix and exits 3 for bad input', async () => {
    const dir = await copyExampleWorkspace('badrole');
    const result = await runCtxpack(['assemble', '--workspace', dir, '--role', 'Bad Role', '--work-unit', path.join(dir, WORK_UNIT)]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^ctxpack: role id is invalid: role: /);
    expect(result.stderr).toMatch(/\n {2}fix: /);
  });

  it('writes the JSON Schema files, and the committed schemas/ are up to date', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'ctxpack-schema-'));
    const result = await runCtxpack(['schema', '--out', out]);
    expect(result.code).toBe(0);
    const written = (await readdir(out)).sort();
    expect(written).toEqual(Object.keys(jsonSchemas()).sort());
    const committed = new URL('../../schemas/', import.meta.url);
    for (const file of written) {
      expect(await readFile(new URL(file, committed), 'utf8'), `${file}: run \`npx ctxpack schema\``).toBe(
        await readFile(path.join(out, file), 'utf8'),
      );
    }
    const rolePack = JSON.parse(await readFile(path.join(out, 'role-context-pack.schema.json'), 'utf8')) as {
      additionalProperties: boolean;
      required: string[];
    };
    expect(rolePack.additionalProperties).toBe(false);
    expect(rolePack.required).toContain('strict_rules');
  });
});
