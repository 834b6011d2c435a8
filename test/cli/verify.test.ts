/** `ctxpack verify` (#14): --expect for files, the referenced role pack, precise hash-format messages. */
import { copyFile, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalBytes } from '../../shared/core/canonical.js';
import { runCtxpack } from '../support/cli.js';
import { copyExampleWorkspace, WORK_UNIT } from '../support/workspace.js';

const made: string[] = [];
afterAll(async () => {
  for (const dir of made) await rm(path.dirname(dir), { recursive: true, force: true, maxRetries: 5 });
});

async function assembled(label: string): Promise<{ dir: string; role: string; unit: string; file: (hash: string) => string }> {
  const dir = await copyExampleWorkspace(label);
  made.push(dir);
  const result = await runCtxpack(['assemble', '--workspace', dir, '--role', 'coder', '--work-unit', path.join(dir, WORK_UNIT), '--json']);
  expect(result.code, result.stderr).toBe(0);
  const out = JSON.parse(result.stdout) as { role_pack_hash: string; work_unit_pack_hash: string };
  const file = (hash: string) => path.join(dir, '.ctxpack/store/sha256', hash.slice(7, 9), hash.slice(7));
  return { dir, role: out.role_pack_hash, unit: out.work_unit_pack_hash, file };
}

describe('ctxpack verify', () => {
  it('checks a pack file against --expect, and names what is wrong with a malformed hash', async () => {
    const { dir, unit, file } = await assembled('verify-expect');
    const copy = path.join(dir, 'unit.json');
    await copyFile(file(unit), copy);
    const ok = await runCtxpack(['verify', copy, '--expect', unit, '--workspace', dir, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, hash: unit, kind: 'WorkUnitContextPack' });

    const other = `sha256:${'0'.repeat(64)}`;
    const mismatch = await runCtxpack(['verify', copy, '--expect', other, '--workspace', dir, '--json']);
    expect(mismatch.code).toBe(1);
    expect(JSON.parse(mismatch.stdout)).toMatchObject({ ok: false, code: 'ContextPackArtifactCorrupt' });

    const cases: [string, RegExp][] = [
      [unit.toUpperCase(), /prefix in upper case/],
      [`sha256:${unit.slice(7).toUpperCase()}`, /upper-case hex digits/],
      [unit.slice(0, -1), /has 63 hex digits after "sha256:", not 64/],
      [`${unit.slice(0, -1)}g`, /not hex digits/],
    ];
    for (const [hash, problem] of cases) {
      const asArg = await runCtxpack(['verify', hash, '--workspace', dir]);
      expect(asArg.code).toBe(1);
      expect(asArg.stderr).toMatch(problem);
      expect(asArg.stderr).toContain('rule hash-format');
      expect(asArg.stderr).not.toContain('neither a pack hash nor a readable file');
      const asExpect = await runCtxpack(['verify', copy, '--expect', hash, '--workspace', dir]);
      expect(asExpect.code).toBe(1);
      expect(asExpect.stderr).toMatch(problem);
    }
  });

  it('checks that a work-unit pack\'s role pack is in the store, verifies and is its role', async () => {
    const { dir, role, unit, file } = await assembled('verify-ref');
    const good = await runCtxpack(['verify', unit, '--workspace', dir, '--json']);
    expect(good.code, good.stderr).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ ok: true, role_pack: role });

    // A work-unit pack naming another role version: re-canonicalised, so it hashes and parses fine.
    const pack = JSON.parse(await readFile(file(unit), 'utf8')) as { role: { version: string } };
    pack.role.version = '9.9.9';
    const forged = path.join(dir, 'forged.json');
    await writeFile(forged, canonicalBytes(pack));
    const mismatch = await runCtxpack(['verify', forged, '--workspace', dir]);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toContain('rule role-mismatch');

    await unlink(file(role));
    const missing = await runCtxpack(['verify', unit, '--workspace', dir]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('rule role-pack-missing');
  });
});
