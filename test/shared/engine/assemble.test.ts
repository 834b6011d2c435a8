import { execFile } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { assembleAndStore, assemblePacks } from '../../../shared/engine/assemble/index.js';
import { canonicalJson } from '../../../shared/core/canonical.js';
import {
  ContextPackProvenanceMissing,
  PackBudgetExceeded,
  PackPathRejected,
  PackSchemaInvalid,
  PackSourceMissing,
} from '../../../shared/core/errors.js';
import { sha256 } from '../../../shared/engine/hash.js';
import { RoleContextPack, WorkUnitContextPack } from '../../../shared/core/schema/index.js';
import { FilePackStore } from '../../../shared/engine/store/index.js';
import { Workspace } from '../../../shared/engine/workspace-fs.js';
import { CTXPACK_BIN } from '../../support/cli.js';
import { copyExampleWorkspace, EXAMPLE_WORKSPACE, WORK_UNIT } from '../../support/workspace.js';

const run = promisify(execFile);

/**
 * Golden hashes of the example workspace's packs. A change here must be deliberate: bump
 * BUILDER_VERSION or schema_version with it, and say why in the commit.
 * 1.1.0: redactor 1.1.0 (service rules win ties with the generic rule; code and placeholders skipped).
 * 1.2.0: redactor 1.2.0 (secretlint's recommended preset joins the project's rules).
 * 1.3.0: redactor 1.3.0 (union of overlapping matches, re-located library ranges); pack content unchanged.
 * 1.4.0 (#14): builder 1.4.0 and redactor 1.4.0 (the sanitizer: work-unit fields sanitized, visibility
 *   rules in the builder config, more token formats): both hashes change through builder.config_hash;
 *   the example's content is unchanged (it has no secret, host path or invisible character).
 */
const GOLDEN = {
  coder: {
    role: 'sha256:8b5bd5faf3962fb7fbc4ec3517c6c47113d9af81f6985a25664f8424e593c100',
    workUnit: 'sha256:804abd2a9177fe7c3720f5fc79e54f6fe992040ee580e01f8f4829ffd7020460',
  },
};

async function assembleIn(dir: string, role = 'coder') {
  return assemblePacks(await Workspace.open(dir), role, { path: WORK_UNIT });
}

describe('assembling the example workspace', () => {
  it('builds schema-valid role and work-unit packs', async () => {
    const packs = await assembleIn(EXAMPLE_WORKSPACE);
    expect(RoleContextPack.parse(packs.role.pack)).toEqual(packs.role.pack);
    expect(WorkUnitContextPack.parse(packs.workUnit.pack)).toEqual(packs.workUnit.pack);
    expect(packs.workUnit.pack.role_pack_hash).toBe(packs.role.hash);
    expect(packs.role.pack.allowed_tools).toEqual(['read_file', 'run_tests', 'write_file']);
    expect(packs.workUnit.pack.required_files.map((f) => f.path)).toEqual(['src/config.js', 'test/config.test.js']);
    expect(packs.workUnit.pack.payload.facts.length).toBeGreaterThan(0);
  });

  it('matches the golden hashes', async () => {
    const packs = await assembleIn(EXAMPLE_WORKSPACE);
    expect(packs.role.hash).toBe(GOLDEN.coder.role);
    expect(packs.workUnit.hash).toBe(GOLDEN.coder.workUnit);
  });

  it('gives the same bytes in two different directories', async () => {
    const a = await assembleIn(await copyExampleWorkspace('a'));
    const b = await assembleIn(await copyExampleWorkspace('b'));
    expect(Buffer.from(a.workUnit.bytes).equals(Buffer.from(b.workUnit.bytes))).toBe(true);
    expect(a.role.hash).toBe(b.role.hash);
  });

  it('gives the same hash with another TZ, LANG and umask, from another working directory', async () => {
    const dir = await copyExampleWorkspace('env');
    const cwd = await mkdtemp(path.join(tmpdir(), 'ctxpack-cwd-'));
    const { stdout } = await run(
      'sh',
      ['-c', `umask 077 && "${process.execPath}" "${CTXPACK_BIN}" assemble --workspace "${dir}" --role coder --work-unit "${path.join(dir, WORK_UNIT)}" --json`],
      { cwd, env: { ...process.env, TZ: 'Pacific/Kiritimati', LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8' } },
    );
    const result = JSON.parse(stdout) as { work_unit_pack_hash: string; role_pack_hash: string };
    expect(result.work_unit_pack_hash).toBe(GOLDEN.coder.workUnit);
    expect(result.role_pack_hash).toBe(GOLDEN.coder.role);
  });

  it('does not depend on the order files were created in', async () => {
    const reference = await assembleIn(EXAMPLE_WORKSPACE);
    // Recreate the workspace writing files in reverse order.
    const source = await copyExampleWorkspace('src');
    const ws = await Workspace.open(source);
    const files = await ws.glob(['**/*']);
    const target = path.join(await mkdtemp(path.join(tmpdir(), 'ctxpack-rev-')), 'workspace');
    for (const file of [...files].reverse()) {
      await mkdir(path.dirname(path.join(target, file)), { recursive: true });
      await writeFile(path.join(target, file), await readFile(path.join(source, file)));
    }
    expect((await assembleIn(target)).workUnit.hash).toBe(reference.workUnit.hash);
  });

  it('hashes CRLF content as stored, without normalising it', async () => {
    const dir = await copyExampleWorkspace('crlf');
    const lf = await readFile(path.join(dir, 'src/config.js'));
    const crlf = Buffer.from(lf.toString('utf8').replace(/\n/g, '\r\n'), 'utf8');
    await writeFile(path.join(dir, 'src/config.js'), crlf);
    const packs = await assembleIn(dir);
    const file = packs.workUnit.pack.required_files.find((f) => f.path === 'src/config.js');
    expect(file?.sha256).toBe(sha256(crlf));
    expect(file?.bytes).toBe(crlf.length);
    expect(file?.sha256).not.toBe(sha256(lf));
  });

  it('stores exactly the canonical bytes, so sha256sum of the file is the hash', async () => {
    const dir = await copyExampleWorkspace('store');
    const store = new FilePackStore(path.join(dir, '.ctxpack/store'));
    const packs = await assembleAndStore(await Workspace.open(dir), 'coder', { path: WORK_UNIT }, store);
    const hex = packs.workUnit.hash.slice('sha256:'.length);
    const stored = await readFile(path.join(dir, '.ctxpack/store/sha256', hex.slice(0, 2), hex));
    const { stdout } = await run('sha256sum', [path.join(dir, '.ctxpack/store/sha256', hex.slice(0, 2), hex)]);
    expect(stdout.split(' ')[0]).toBe(hex);
    expect(stored.toString('utf8')).toBe(canonicalJson(packs.workUnit.pack));
    expect(packs.storeRefs.workUnit).toEqual({ store: 'file', key: `sha256/${hex}` });
  });

  it('never puts the host path of the workspace into a pack', async () => {
    const dir = await copyExampleWorkspace('host');
    await appendFile(path.join(dir, 'docs/notes/wp-7.md'), `- The service reads ${dir}/config/app.json at start.\n`);
    // The appended bullet lands in the Anchors section (the last one); move it into Facts instead.
    const notes = (await readFile(path.join(dir, 'docs/notes/wp-7.md'), 'utf8')).replace(
      '## Facts\n',
      `## Facts\n- Logs go to ${dir}/logs and ${path.dirname(dir)}/shared.\n`,
    );
    await writeFile(path.join(dir, 'docs/notes/wp-7.md'), notes);
    const packs = await assembleIn(dir);
    const text = Buffer.from(packs.workUnit.bytes).toString('utf8');
    expect(text).not.toContain(dir);
    expect(text).toContain('<workspace>/logs');
    expect(packs.workUnit.pack.redactions).toContainEqual({ source_id: 'context:docs/notes/wp-7.md', rule: 'host-path', count: 1 });
  });

  it('redacts secrets in context sources and reports them without the value', async () => {
    const dir = await copyExampleWorkspace('secret');
    const fake = ['ghp', '_', 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8'].join('');
    const notes = (await readFile(path.join(dir, 'docs/notes/wp-7.md'), 'utf8')).replace(
      '## Facts\n',
      `## Facts\n- CI pushes with the token ${fake} today.\n`,
    );
    await writeFile(path.join(dir, 'docs/notes/wp-7.md'), notes);
    const packs = await assembleIn(dir);
    const text = Buffer.from(packs.workUnit.bytes).toString('utf8');
    expect(text).not.toContain(fake);
    expect(text).toContain('[REDACTED:github-token]');
    expect(packs.workUnit.pack.redactions).toContainEqual({ source_id: 'context:docs/notes/wp-7.md', rule: 'github-token', count: 1 });
  });
});

describe('assembly errors name the field, the problem and the fix', () => {
  it('rejects an unknown field in a role definition (strict objects)', async () => {
    const dir = await copyExampleWorkspace('unknown');
    await appendFile(path.join(dir, '.ctxpack/roles/coder.yaml'), 'colour: blue\n');
    const error = await assembleIn(dir).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(PackSchemaInvalid);
    expect((error as Error).message).toMatch(/roles\.coder: unknown field "colour"/);
  });

  it('rejects a lock-set glob that escapes the workspace, naming its index', async () => {
    const dir = await copyExampleWorkspace('glob');
    const role = (await readFile(path.join(dir, '.ctxpack/roles/coder.yaml'), 'utf8')).replace(
      'write: ["src/**", "test/**"]',
      'write: ["src/**", "test/**", "../secrets/**"]',
    );
    await writeFile(path.join(dir, '.ctxpack/roles/coder.yaml'), role);
    const error = await assembleIn(dir).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(PackSchemaInvalid);
    expect((error as Error).message).toContain('roles.coder.lock_set.write[2]');
    expect((error as Error).message).toContain('dot-dot');
  });

  it('rejects an absolute required file path', async () => {
    const dir = await copyExampleWorkspace('abs');
    const unit = (await readFile(path.join(dir, WORK_UNIT), 'utf8')).replace('  - src/config.js', '  - /etc/passwd');
    await writeFile(path.join(dir, WORK_UNIT), unit);
    const error = await assembleIn(dir).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(PackSchemaInvalid);
    expect((error as Error).message).toMatch(/work_unit\.required_files\[0\].*absolute/);
  });

  it('rejects a required file that is a symlink out of the workspace', async () => {
    const dir = await copyExampleWorkspace('link');
    const { symlink } = await import('node:fs/promises');
    const outside = path.join(path.dirname(dir), 'outside.txt');
    await writeFile(outside, 'not yours');
    await symlink(outside, path.join(dir, 'src/escape.js'));
    const unit = (await readFile(path.join(dir, WORK_UNIT), 'utf8')).replace('  - src/config.js', '  - src/escape.js');
    await writeFile(path.join(dir, WORK_UNIT), unit);
    const error = await assembleIn(dir).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(PackPathRejected);
    expect((error as PackPathRejected).code).toBe('PackPathRejected');
    expect((error as Error).message).toContain('symlink-escape');
    expect((error as Error).message).not.toContain(outside);
  });

  it('names a missing role and where it looked', async () => {
    const error = await assembleIn(EXAMPLE_WORKSPACE, 'reviewer').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(PackSourceMissing);
    expect((error as Error).message).toContain('.ctxpack/roles/reviewer.yaml');
  });

  it('rejects a role whose strict rules exceed their budget', async () => {
    const dir = await copyExampleWorkspace('budget');
    const role = (await readFile(path.join(dir, '.ctxpack/roles/coder.yaml'), 'utf8')).replace('strict_rules_tokens: 200', 'strict_rules_tokens: 10');
    await writeFile(path.join(dir, '.ctxpack/roles/coder.yaml'), role);
    const error = await assembleIn(dir).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(PackBudgetExceeded);
    expect((error as PackBudgetExceeded).fix).toContain('strict_rules_tokens');
  });

  it('trims the payload to its budget deterministically and lists what was cut', async () => {
    const dir = await copyExampleWorkspace('trim');
    const role = (await readFile(path.join(dir, '.ctxpack/roles/coder.yaml'), 'utf8')).replace('payload_tokens: 3000', 'payload_tokens: 420');
    await writeFile(path.join(dir, '.ctxpack/roles/coder.yaml'), role);
    const first = await assembleIn(dir);
    const second = await assembleIn(dir);
    const payload = first.workUnit.pack.payload;
    expect(first.workUnit.hash).toBe(second.workUnit.hash);
    expect(first.workUnit.pack.budgets.payload_tokens.used).toBeLessThanOrEqual(420);
    const cut = payload.coverage.skipped.filter((s) => s.reason === 'budget');
    expect(cut.length).toBeGreaterThan(0);
    // Anchors go first, and hard constraints are never cut.
    expect(payload.anchors).toHaveLength(0);
    expect(payload.constraints.filter((c) => c.strength === 'hard')).toHaveLength(2);
  });

  it('fails when hard constraints alone do not fit the payload budget', async () => {
    const dir = await copyExampleWorkspace('nofit');
    const role = (await readFile(path.join(dir, '.ctxpack/roles/coder.yaml'), 'utf8')).replace('payload_tokens: 3000', 'payload_tokens: 50');
    await writeFile(path.join(dir, '.ctxpack/roles/coder.yaml'), role);
    await expect(assembleIn(dir)).rejects.toBeInstanceOf(PackBudgetExceeded);
  });

  it('drops an item without provenance and reports it (standard governance)', async () => {
    const dir = await copyExampleWorkspace('prov');
    const items = (await readFile(path.join(dir, '.ctxpack/context/wp-7-decisions.yaml'), 'utf8')).replace(
      'facts:\n',
      'facts:\n  - text: An unsourced claim.\n',
    );
    await writeFile(path.join(dir, '.ctxpack/context/wp-7-decisions.yaml'), items);
    const packs = await assembleIn(dir, 'orchestrator');
    expect(packs.workUnit.pack.payload.facts.map((f) => f.text)).not.toContain('An unsourced claim.');
    expect(packs.workUnit.pack.payload.coverage.skipped).toContainEqual({
      ref: 'context:.ctxpack/context/wp-7-decisions.yaml#facts[0]',
      reason: 'provenance-missing',
    });
  });

  it('refuses an item without provenance under strict governance', async () => {
    const dir = await copyExampleWorkspace('prov-strict');
    const items = (await readFile(path.join(dir, '.ctxpack/context/wp-7-decisions.yaml'), 'utf8')).replace(
      'facts:\n',
      'facts:\n  - text: An unsourced claim.\n',
    );
    await writeFile(path.join(dir, '.ctxpack/context/wp-7-decisions.yaml'), items);
    const error = await assembleIn(dir, 'coder').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ContextPackProvenanceMissing);
    expect((error as Error).message).toContain('.ctxpack/context/wp-7-decisions.yaml.facts[0]');
  });

  it('reports invalid YAML with the file and line', async () => {
    const dir = await copyExampleWorkspace('yaml');
    await writeFile(path.join(dir, '.ctxpack/roles/coder.yaml'), 'schema_version: 1\nrole_id: [unclosed\n');
    const error = await assembleIn(dir).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(PackSchemaInvalid);
    expect((error as Error).message).toMatch(/\.ctxpack\/roles\/coder\.yaml:\d+:\d+: not valid YAML/);
  });
});

describe('secrets in role definitions', () => {
  it('refuses a strict rule containing a secret rather than rewriting governance text', async () => {
    const dir = await copyExampleWorkspace('rule-secret');
    const file = path.join(dir, '.ctxpack/roles/coder.yaml');
    const token = ['xoxb', '-', '123456789012', '-', 'abcdefghijABCDEFGHIJ'].join('');
    await writeFile(file, (await readFile(file, 'utf8')).replace('strict_rules:\n', `strict_rules:\n  - Post results with ${token}.\n`));
    const error = await assembleIn(dir).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(PackSchemaInvalid);
    expect((error as Error).message).toMatch(/roles\.coder\.strict_rules\[0\]: refused \(rule slack-token\)/);
    expect((error as Error).message).not.toContain(token);
  });
});

describe('malformed YAML found by fuzzing', () => {
  it('reports an alias without an anchor as bad input, not a crash', async () => {
    const dir = await copyExampleWorkspace('alias');
    await writeFile(path.join(dir, '.ctxpack/roles/coder.yaml'), 'schema_version: 1\nrole_id: *missing\n');
    const error = await assembleIn(dir).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(PackSchemaInvalid);
    expect((error as Error).message).toMatch(/\.ctxpack\/roles\/coder\.yaml: not valid YAML/);
  });
});
