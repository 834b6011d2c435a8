/**
 * Every bad input of #14 ends in a typed error, fast: FIFOs, devices and oversized files (CLI
 * arguments, workspace inputs, store artifacts), ambiguous inputs (duplicate keys, duplicate set
 * entries, a required file on the deny list), errors that used to quote the value, malformed hashes.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, symlink, truncate, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { assembleAndStore, assemblePacks } from '../../../../shared/engine/assemble/index.js';
import { HASH_CACHE_DIR, HASH_CACHE_FILE } from '../../../../shared/engine/assemble/hash-cache/index.js';
import { INPUT_LIMITS, readBoundedFile } from '../../../../shared/engine/bounded-read.js';
import { CtxPackError } from '../../../../shared/core/errors.js';
import { FilePackStore } from '../../../../shared/engine/store/index.js';
import { Workspace } from '../../../../shared/engine/workspace-fs.js';
import { runCtxpack } from '../../../support/cli.js';
import { copyExampleWorkspace, WORK_UNIT } from '../../../support/workspace.js';

const run = promisify(execFile);
const made: string[] = [];
afterAll(async () => {
  for (const dir of made) await rm(path.dirname(dir), { recursive: true, force: true, maxRetries: 5 });
});
async function workspaceCopy(label: string): Promise<string> {
  const dir = await copyExampleWorkspace(label);
  made.push(dir);
  return dir;
}

/**
 * Runs `attempt`, expecting a CtxPackError with `code` (and `rule` in its details). A read that
 * blocked (a FIFO, /dev/zero) would never settle: the test's timeout, not a clock, catches that.
 */
async function refusedFast(attempt: () => Promise<unknown>, code: string, rule?: string): Promise<CtxPackError> {
  const error = await attempt().then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(CtxPackError);
  const typed = error as CtxPackError;
  expect(typed.code).toBe(code);
  if (rule) expect(typed.details['rule']).toBe(rule);
  return typed;
}

const assembleFile = async (dir: string, unit = WORK_UNIT) => assemblePacks(await Workspace.open(dir), 'coder', { path: unit });

describe('bounded reads: a FIFO, a device or an oversized file fails at once', () => {
  it('refuses a FIFO, /dev/zero and an oversized file given on the command line (--work-unit, verify FILE) with exit 3', async () => {
    const dir = await workspaceCopy('bad-cli');
    const outside = path.dirname(dir);
    const fifo = path.join(outside, 'unit.fifo');
    await run('mkfifo', [fifo]);
    const big = path.join(outside, 'big.json');
    await writeFile(big, Buffer.alloc(INPUT_LIMITS.definition + 1, 0x20));
    const zero = path.join(outside, 'zero.json');
    await symlink('/dev/zero', zero);

    for (const [file, rule] of [
      [fifo, 'not-regular-file'],
      [zero, 'not-regular-file'],
      [big, 'too-large'],
    ] as const) {
      await refusedFast(() => readBoundedFile(file, '--work-unit', INPUT_LIMITS.definition), 'PackInputRejected', rule);
      // A blocking read would hit the 20 s timeout (and fail on the exit code) instead of refusing.
      const cli = await runCtxpack(['assemble', '--workspace', dir, '--role', 'coder', '--work-unit', file, '--json'], { timeoutMs: 20_000 });
      expect(cli.code, cli.stderr).toBe(3);
      expect(cli.stderr).toContain(`rule ${rule}`);
      if (rule === 'too-large') continue; // 1 MiB is a fine size for a pack file: see the sparse file below
      const verify = await runCtxpack(['verify', file], { timeoutMs: 20_000 });
      expect(verify.code, verify.stderr).toBe(3);
      expect(verify.stderr).toContain(`rule ${rule}`);
    }
    // A pack file over the pack limit: sparse, so writing it costs nothing.
    const huge = path.join(outside, 'huge.json');
    await truncate(huge, INPUT_LIMITS.pack + 1).catch(async () => {
      await writeFile(huge, '');
      await truncate(huge, INPUT_LIMITS.pack + 1);
    });
    await refusedFast(() => readBoundedFile(huge, 'the pack file', INPUT_LIMITS.pack), 'PackInputRejected', 'too-large');
    const verify = await runCtxpack(['verify', huge], { timeoutMs: 20_000 });
    expect(verify.code, verify.stderr).toBe(3);
    expect(verify.stderr).toContain('rule too-large');
  });

  it('refuses a store artifact replaced by a FIFO or by a symlink to /dev/zero (store get and ctxpack verify)', async () => {
    const dir = await workspaceCopy('bad-store');
    const store = new FilePackStore(path.join(dir, '.ctxpack/store'));
    const packs = await assembleAndStore(await Workspace.open(dir), 'coder', { path: WORK_UNIT }, store);
    const hex = packs.workUnit.hash.slice(7);
    const artifact = path.join(dir, '.ctxpack/store/sha256', hex.slice(0, 2), hex);
    for (const replace of [() => run('mkfifo', [artifact]), () => symlink('/dev/zero', artifact)]) {
      await unlink(artifact);
      await replace();
      await refusedFast(() => store.get(packs.workUnit.hash), 'PackInputRejected', 'not-regular-file');
      expect(await store.has(packs.workUnit.hash)).toBe(false);
      const verify = await runCtxpack(['verify', packs.workUnit.hash, '--workspace', dir], { timeoutMs: 20_000 });
      expect(verify.code, verify.stderr).toBe(3);
      expect(verify.stderr).toContain('rule not-regular-file');
    }
  });

  it('refuses an oversized role definition and an oversized context source in the workspace', async () => {
    const dir = await workspaceCopy('bad-size');
    const role = path.join(dir, '.ctxpack/roles/coder.yaml');
    const original = await readFile(role, 'utf8');
    await writeFile(role, `${original}\n#${'x'.repeat(INPUT_LIMITS.definition)}\n`);
    const error = await refusedFast(() => assembleFile(dir), 'PackInputRejected', 'too-large');
    expect(error.message).toContain('roles.coder');
    await writeFile(role, original);
    await writeFile(path.join(dir, 'docs/notes/wp-7.md'), Buffer.alloc(INPUT_LIMITS.source + 1, 0x61));
    await refusedFast(() => assembleFile(dir), 'PackInputRejected', 'too-large');
  });
});

describe('ambiguous input is refused', () => {
  it('refuses a JSON role and a JSON work unit with a duplicate key, as YAML does', async () => {
    const dir = await workspaceCopy('bad-dup');
    await writeFile(path.join(dir, '.ctxpack/work-units/dup.json'), '{"schema_version": 1, "job_id": "A", "job_id": "B"}');
    const unit = await refusedFast(() => assembleFile(dir, '.ctxpack/work-units/dup.json'), 'PackSchemaInvalid', 'duplicate-key');
    expect(unit.message).toMatch(/dup\.json:1:\d+: a key is repeated/);
    await writeFile(
      path.join(dir, '.ctxpack/roles/twice.json'),
      JSON.stringify({ schema_version: 1, role_id: 'twice' }).replace('}', ', "governance_mode": "strict", "governance_mode": "advisory"}'),
    );
    await refusedFast(async () => assemblePacks(await Workspace.open(dir), 'twice', { path: WORK_UNIT }), 'PackSchemaInvalid', 'duplicate-key');
  });

  it('refuses a required file and a context source on the role\'s deny list', async () => {
    const dir = await workspaceCopy('bad-deny');
    await writeFile(path.join(dir, '.env'), 'X=1\n');
    await mkdir(path.join(dir, 'secrets'), { recursive: true });
    await writeFile(path.join(dir, 'secrets/notes.md'), '## Facts\n- x\n');
    const file = path.join(dir, WORK_UNIT);
    const original = await readFile(file, 'utf8');
    await writeFile(file, original.replace('  - test/config.test.js', '  - test/config.test.js\n  - .env'));
    const required = await refusedFast(() => assembleFile(dir), 'PackPathRejected', 'denied-by-lock-set');
    expect(required.message).toContain('work_unit.required_files[2]');
    await writeFile(file, original.replace('context_sources:\n', 'context_sources:\n  - { path: secrets/notes.md, kind: notes }\n'));
    const context = await refusedFast(() => assembleFile(dir), 'PackPathRejected', 'denied-by-lock-set');
    expect(context.message).toContain('work_unit.context_sources[0].path');
  });

  it('reports duplicate set entries instead of merging them: 9,998 repeated required files, context sources, tools', async () => {
    const dir = await workspaceCopy('bad-set');
    const file = path.join(dir, WORK_UNIT);
    const original = await readFile(file, 'utf8');
    await writeFile(file, original.replace('  - test/config.test.js', `  - test/config.test.js\n${'  - src/config.js\n'.repeat(9_998)}`));
    const many = await refusedFast(() => assembleFile(dir), 'PackSchemaInvalid');
    expect(many.message).toContain('work_unit.required_files[2]: repeats entry [0] (rule duplicate-required-file)');
    await writeFile(file, original.replace('context_sources:\n', 'context_sources:\n  - { path: docs/notes/wp-7.md, kind: notes }\n'));
    const sources = await refusedFast(() => assembleFile(dir), 'PackSchemaInvalid');
    expect(sources.message).toContain('rule duplicate-context-source');
    await writeFile(file, original);
    const role = path.join(dir, '.ctxpack/roles/coder.yaml');
    await writeFile(role, (await readFile(role, 'utf8')).replace('allowed_tools: [read_file,', 'allowed_tools: [read_file, read_file,'));
    const tools = await refusedFast(() => assembleFile(dir), 'PackSchemaInvalid', 'duplicate');
    expect(tools.message).toContain('roles.coder.allowed_tools[1] repeats entry [0]');
  });
});

describe('errors name the field and the rule, never the value', () => {
  const SECRETISH = ['Zq', '9', 'xV', 'plantedValue', '4242'].join('');

  it('a JSON syntax error gives the position, not the text at fault', async () => {
    const dir = await workspaceCopy('bad-json');
    await writeFile(path.join(dir, '.ctxpack/work-units/broken.json'), `{"schema_version": 1, "job_id": ${SECRETISH}}`);
    const error = await refusedFast(() => assembleFile(dir, '.ctxpack/work-units/broken.json'), 'PackSchemaInvalid', 'json-syntax');
    expect(error.message).toMatch(/broken\.json:1:\d+: not valid JSON/);
    expect(JSON.stringify([error.message, error.fix, error.details])).not.toContain(SECRETISH);
  });

  it('a YAML alias without an anchor does not print the value', async () => {
    const dir = await workspaceCopy('bad-alias');
    await writeFile(path.join(dir, '.ctxpack/work-units/alias.yaml'), `schema_version: 1\njob_id: *${SECRETISH}\n`);
    const error = await refusedFast(() => assembleFile(dir, '.ctxpack/work-units/alias.yaml'), 'PackSchemaInvalid');
    expect(JSON.stringify([error.message, error.fix, error.details])).not.toContain(SECRETISH);
  });

  it('a path-rule error and an unknown key do not echo the value', async () => {
    const dir = await workspaceCopy('bad-path');
    const file = path.join(dir, WORK_UNIT);
    await writeFile(file, (await readFile(file, 'utf8')).replace('  - test/config.test.js', `  - /home/${SECRETISH}/x`));
    const error = await refusedFast(() => assembleFile(dir), 'PackSchemaInvalid');
    expect(error.message).toContain('work_unit.required_files[1]: is not a safe workspace-relative path (rule absolute)');
    expect(JSON.stringify([error.message, error.fix, error.details])).not.toContain(SECRETISH);
    await writeFile(file, (await readFile(file, 'utf8')).replace(`/home/${SECRETISH}/x`, 'test/config.test.js').replace('schema_version: 1', `schema_version: 1\n"${SECRETISH} \u202e": 1`));
    const unknown = await refusedFast(() => assembleFile(dir), 'PackSchemaInvalid');
    expect(unknown.message).toContain('unknown field "<key>"');
    expect(JSON.stringify([unknown.message, unknown.fix, unknown.details])).not.toContain(SECRETISH);
  });
});

describe('bounded reads of the remaining files', () => {
  it('refuses a history file that is a FIFO (ctxpack replay) and ignores a hash cache replaced by one', async () => {
    const dir = await workspaceCopy('bad-more');
    const fifo = path.join(path.dirname(dir), 'history.json');
    await run('mkfifo', [fifo]);
    await refusedFast(() => readBoundedFile(fifo, 'the history file', INPUT_LIMITS.history), 'PackInputRejected', 'not-regular-file');
    const replay = await runCtxpack(['replay', fifo], { timeoutMs: 20_000 });
    expect(replay.code, replay.stderr).toBe(3);
    expect(replay.stderr).toContain('rule not-regular-file');
    // The cache is a hint: a FIFO in its place is skipped (by a fresh process, which must read it)
    // and the packs are the same as with the real cache. Both runs are CLI processes, so no cache
    // write of this process can race the replacement.
    const assembleCli = async () => {
      const cli = await runCtxpack(['assemble', '--workspace', dir, '--role', 'coder', '--work-unit', path.join(dir, WORK_UNIT), '--json'], { timeoutMs: 20_000 });
      expect(cli.code, cli.stderr).toBe(0);
      return (JSON.parse(cli.stdout) as { work_unit_pack_hash: string }).work_unit_pack_hash;
    };
    const first = await assembleCli();
    const cacheFile = path.join(dir, HASH_CACHE_DIR, HASH_CACHE_FILE);
    await rm(cacheFile, { force: true });
    await mkdir(path.dirname(cacheFile), { recursive: true });
    await run('mkfifo', [cacheFile]);
    expect(await assembleCli()).toBe(first);
  });
});
