/**
 * Result schemas in role definitions and packs (#16), and the activity's check of a model's result:
 * presets and inline schemas resolved to one canonical form, what the subset refuses (named, with
 * the fix), and bad results (schema, size, secrets, invisible characters, non-JSON) as typed failures.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkModelResult } from '../../activities/model-result.js';
import { assemblePacks } from '../../shared/engine/assemble/index.js';
import { canonicalBytes } from '../../shared/core/canonical.js';
import { ModelResultInvalid, PackSchemaInvalid } from '../../shared/core/errors.js';
import { sha256 } from '../../shared/engine/hash.js';
import { droppedRestrictions } from '../../shared/core/restrictions.js';
import { renderRolePrefix } from '../../shared/engine/render.js';
import { RESULT_LIMITS, type ResultSchema } from '../../shared/core/schema/result-schema.js';
import type { RoleContextPack } from '../../shared/core/schema/role-pack.js';
import { Workspace } from '../../shared/engine/workspace-fs.js';
import { copyExampleWorkspace, EXAMPLE_WORKSPACE, WORK_UNIT } from '../support/workspace.js';

/**
 * The example's validator and orchestrator packs, pinned like the coder's golden hashes: they
 * changed when the roles gained their result blocks (#16); the coder's did not.
 */
const PINNED = {
  validator: 'sha256:e3550b46324196c84a90ff901e83f7d8cd74e7ce081ce78060bacf440afb4f1e',
  orchestrator: 'sha256:932fc92215e7022bb3938e88fc3a5bf4925b5a62bf9cdd1bab2976c0381005da',
};

async function rolePack(role: string, dir = EXAMPLE_WORKSPACE) {
  return (await assemblePacks(await Workspace.open(dir), role, { path: WORK_UNIT })).role;
}

/** A copy of the example whose validator declares `block` (YAML) as its result. */
async function validatorWith(block: string): Promise<string> {
  const dir = await copyExampleWorkspace('result-schema');
  const file = path.join(dir, '.ctxpack/roles/validator.yaml');
  const role = (await readFile(file, 'utf8')).replace(/^result: .*$/m, '');
  await writeFile(file, `${role}result:\n${block}`);
  return dir;
}

async function refusal(block: string): Promise<PackSchemaInvalid> {
  const error = await rolePack('validator', await validatorWith(block)).catch((err: unknown) => err);
  expect(error).toBeInstanceOf(PackSchemaInvalid);
  return error as PackSchemaInvalid;
}

let verdict: ResultSchema;
beforeAll(async () => {
  verdict = (await rolePack('validator')).pack.result_schema as ResultSchema;
});

describe('result schemas in role packs', () => {
  it('resolves the presets to canonical closed schemas, and the example packs match their pinned hashes', async () => {
    const validator = await rolePack('validator');
    const orchestrator = await rolePack('orchestrator');
    expect(validator.hash).toBe(PINNED.validator);
    expect(orchestrator.hash).toBe(PINNED.orchestrator);
    expect(verdict).toMatchObject({
      type: 'object',
      required: ['findings', 'verdict'],
      additionalProperties: false,
      properties: { verdict: { type: 'string', enum: ['fail', 'pass'] }, findings: { type: 'array', maxItems: 20, items: { required: ['file', 'message'], additionalProperties: false } } },
    });
    expect(orchestrator.pack.result_schema).toEqual({
      type: 'object',
      properties: { next_micro_tasks: { type: 'array', maxItems: 50, description: 'ids of the micro-tasks to run next, in order', items: { type: 'string', minLength: 1, maxLength: 128 } } },
      required: ['next_micro_tasks'],
      additionalProperties: false,
    });
    // A role without a result block has no result_schema field at all (its bytes are as before).
    expect('result_schema' in (await rolePack('coder')).pack).toBe(false);
  });

  it('gives an inline schema the same canonical form whatever the authored order of required and enum', async () => {
    const a = await rolePack('validator', await validatorWith('  schema: { type: object, properties: { v: { type: string, enum: [b, a] }, n: { type: integer } }, required: [v, n] }\n'));
    const b = await rolePack('validator', await validatorWith('  schema: { type: object, required: [n, v], properties: { n: { type: integer }, v: { type: string, enum: [a, b] } }, additionalProperties: false }\n'));
    expect(canonicalBytes(a.pack.result_schema)).toEqual(canonicalBytes(b.pack.result_schema));
    expect(a.pack.result_schema).toEqual({
      type: 'object',
      properties: { v: { type: 'string', enum: ['a', 'b'] }, n: { type: 'integer' } },
      required: ['n', 'v'],
      additionalProperties: false,
    });
  });

  it.each([
    ['an unsupported keyword', '  schema: { type: object, properties: { id: { type: string, maxLength: 9, pattern: "^M" } } }\n', /roles\.validator\.result\.schema\.properties\.id\.pattern: keyword "pattern" is not supported .*check anything else in the workflow/],
    ['a $ref', '  schema: { type: object, properties: { a: { $ref: "#/x" } } }\n', /properties\.a\.type: must be one of object, array/],
    ['a string without a bound', '  schema: { type: object, properties: { a: { type: string } } }\n', /properties\.a\.maxLength: is required for a string without enum .*add maxLength/],
    ['an array without a bound', '  schema: { type: object, properties: { a: { type: array, items: { type: boolean } } } }\n', /properties\.a\.maxItems: is required for an array/],
    ['a bound over the limit', '  schema: { type: object, properties: { a: { type: string, maxLength: 100000 } } }\n', /properties\.a\.maxLength/],
    ['a root that is not an object', '  schema: { type: array, items: { type: boolean }, maxItems: 3 }\n', /result\.schema\.type: the root of a result schema must be type object/],
    ['required naming no property', '  schema: { type: object, properties: { a: { type: boolean } }, required: [b] }\n', /required\[0\]: names no property/],
    ['a property name outside the charset', '  schema: { type: object, properties: { "Bad Name": { type: boolean } } }\n', /properties\.<key>: a property name must match/],
    ['open objects', '  schema: { type: object, properties: {}, additionalProperties: true }\n', /additionalProperties/],
    ['too deep', `  schema: ${'{ type: object, properties: { a: '.repeat(6)}{ type: boolean }${' } }'.repeat(6)}\n`, /nests deeper than 5 levels/],
    ['both a preset and a schema', '  preset: verdict\n  schema: { type: object, properties: {} }\n', /result: give exactly one of preset/],
    ['an unknown preset', '  preset: opinion\n', /result\.preset/],
  ])('refuses %s, naming the field and the fix', async (_name, block, message) => {
    expect((await refusal(block)).message).toMatch(message);
  });

  it('refuses a secret or an invisible character in a description or enum value (exact mode), never showing it', async () => {
    const token = `ghp_${'R8mQ2vX7kT4nB9wL3pY6sD1fH5jC0gZeA2uN'}`;
    const secret = await refusal(`  schema: { type: object, properties: { a: { type: string, enum: [ok, "${token}"] } } }\n`);
    expect(secret.message).toMatch(/result\.schema\.properties\.a\.enum\[1\]: refused \(rule github-token\)/);
    expect(secret.message).not.toContain(token);
    const bidi = await refusal('  schema: { type: object, description: "a\u202Eb", properties: {} }\n');
    expect(bidi.message).toMatch(/result\.schema\.description/);
  });

  it('tells the model the result format in the role prefix only for roles with a result schema', async () => {
    const validator = await rolePack('validator');
    const coder = await rolePack('coder');
    expect(renderRolePrefix(validator.pack, validator.hash)).toContain(`## Result (required)\n`);
    expect(renderRolePrefix(validator.pack, validator.hash)).toContain(new TextDecoder().decode(canonicalBytes(verdict)));
    expect(renderRolePrefix(coder.pack, coder.hash)).not.toContain('Result');
  });

  it('counts a dropped or different result schema as a weaker pinned pack (RT-SWAP-001)', async () => {
    const { pack } = await rolePack('validator');
    const { result_schema: _dropped, ...rest } = pack;
    expect(droppedRestrictions(rest as RoleContextPack, pack)).toEqual(['result schema differs from the one the role declares']);
    const other = { ...pack, result_schema: { ...verdict, required: ['verdict'] } } as RoleContextPack;
    expect(droppedRestrictions(other, pack)).toEqual(['result schema differs from the one the role declares']);
    expect(droppedRestrictions(pack, rest as RoleContextPack)).toEqual(['result schema the role does not declare']);
    expect(droppedRestrictions(pack, pack)).toEqual([]);
  });
});

describe("the activity's check of a model's result", () => {
  const context = { role: 'validator', responseHash: 'sha256:abc' };
  const check = (value: unknown) => checkModelResult(verdict, { value }, context);
  const rejected = async (run: Promise<unknown>): Promise<ModelResultInvalid> => {
    const error = await run.catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ModelResultInvalid);
    expect((error as ModelResultInvalid).details['response_hash']).toBe('sha256:abc');
    return error as ModelResultInvalid;
  };

  it('returns the valid result with the hash of its canonical form and no redactions', async () => {
    const value = { findings: [{ file: 'src/a.js', line: 2, message: 'x' }], verdict: 'fail' };
    expect(await check(value)).toEqual({ result: value, result_hash: sha256(canonicalBytes(value)), redactions: {} });
  });

  it('rejects a missing result and a non-JSON answer with the reason, never the text', async () => {
    expect((await rejected(checkModelResult(verdict, undefined, context))).message).toMatch(/\(root\): no result in the answer \(the provider returned none\)/);
    expect((await rejected(checkModelResult(verdict, { problem: 'the answer holds no JSON object' }, context))).message).toContain('the answer holds no JSON object');
  });

  it('rejects wrong types, all problems at once, by field path', async () => {
    const error = await rejected(check({ verdict: 'pass', findings: 'none' }));
    expect(error.message).toContain('findings: must be array');
    const many = await rejected(check({ findings: [{ file: 7, line: 1.5, message: 'm' }] }));
    expect(many.details['problems']).toEqual(expect.arrayContaining(['verdict: is missing', 'findings[0].file: must be string', 'findings[0].line: must be integer']));
  });

  it('rejects an oversize result before validating it, and too many findings', async () => {
    const huge = { verdict: 'fail', findings: [{ file: 'a', message: 'x'.repeat(RESULT_LIMITS.bytes) }] };
    expect((await rejected(check(huge))).message).toMatch(/\(root\): is \d+ bytes, over the 16384 a result may take/);
    const long = { verdict: 'fail', findings: Array.from({ length: 21 }, () => ({ file: 'a', message: 'm' })) };
    expect((await rejected(check(long))).message).toContain('findings: must NOT have more than 20 items');
  });

  it('rejects text that has no canonical form (a lone surrogate)', async () => {
    expect((await rejected(check({ verdict: 'pass', findings: [{ file: 'a', message: '\uD800' }] }))).message).toContain('is not plain JSON');
  });

  it('redacts secrets and makes invisible characters visible, counting by rule, and keeps strings within maxLength', async () => {
    const token = `ghp_${'R8mQ2vX7kT4nB9wL3pY6sD1fH5jC0gZeA2uN'}`;
    // The second message is at its bound; its marker ([U+202E] for one character) would take it over.
    const checked = await check({ verdict: 'fail', findings: [{ file: 'src/a.js', message: `see ${token} \u202Ehere` }, { file: 'b', message: `${'m'.repeat(299)}\u202E` }] });
    const findings = (checked.result as { findings: { message: string }[] }).findings;
    expect(findings[0]?.message).toBe('see [REDACTED:github-token] [U+202E]here');
    expect(findings[1]?.message).toBe(`${'m'.repeat(299)}…`);
    expect(JSON.stringify(checked)).not.toContain(token);
    expect(checked.redactions).toEqual({ 'github-token': 1, 'bidi-control': 2, 'length-bound': 1 });
  });
});
