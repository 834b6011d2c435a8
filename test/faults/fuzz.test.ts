/**
 * Bad input, generated: random role definitions, work units and swap requests either give a valid
 * pack (or swap) or a typed error naming the problem; never a crash, a hang or a partial artifact.
 * A bounded number of cases runs in CI.
 */
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { assembleAndStore } from '../../shared/engine/assemble/index.js';
import { CtxPackError } from '../../shared/core/errors.js';
import { SwapRequest } from '../../shared/core/schema/governed-job.js';
import { FilePackStore } from '../../shared/engine/store/index.js';
import { Workspace } from '../../shared/engine/workspace-fs.js';
import { swapProblem } from '../../workflows/swap-rules.js';
import { copyExampleWorkspace, WORK_UNIT } from '../support/workspace.js';

const RUNS = Number(process.env['CTXPACK_FUZZ_RUNS'] ?? 60);

const nasty = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('../x', '/etc/passwd', 'C:\\\\x', '\\\\\\\\srv\\\\s', 'a/./b', 'e\u0301', 'a\u0000b', '**/../*', '', ' ', '~/x', 'src/**'),
  fc.string({ maxLength: 5 }).map((s) => s.repeat(2000)),
);
const deep = fc.letrec((tie) => ({ node: fc.oneof({ depthSize: 'small' }, nasty, fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), tie('node'), { maxKeys: 3 })) })).node;

/** Mutates one field of a valid object to a hostile value. */
function mutate(base: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  return { ...base, [key]: value };
}

async function storeFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) await walk(full);
      else out.push(full);
    }
  };
  await walk(dir);
  return out;
}

describe('fuzzing inputs (property)', () => {
  it('role definitions: a valid pack or a typed error, and the store holds only whole, valid artifacts', async () => {
    const dir = await copyExampleWorkspace('fuzz-role');
    const roleFile = path.join(dir, '.ctxpack/roles/coder.yaml');
    const { parse } = await import('yaml');
    const { readFile } = await import('node:fs/promises');
    const base = parse(await readFile(roleFile, 'utf8')) as Record<string, unknown>;
    const keys = [...Object.keys(base), 'unexpected_field'];
    const storeDir = path.join(dir, '.ctxpack/store');
    const store = new FilePackStore(storeDir);
    const workspace = await Workspace.open(dir);

    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...keys), deep, async (key, value) => {
        await writeFile(roleFile, stringify(mutate(base, key, value)));
        try {
          const packs = await assembleAndStore(workspace, 'coder', { path: WORK_UNIT }, store);
          expect(packs.role.hash).toMatch(/^sha256:/);
        } catch (err) {
          expect(err, String(err)).toBeInstanceOf(CtxPackError);
          expect((err as CtxPackError).fix.length).toBeGreaterThan(0);
        }
        // No temp leftovers, and every stored file is a whole artifact named by its hash.
        for (const file of await storeFiles(storeDir)) {
          expect(path.basename(path.dirname(path.dirname(file)))).toBe('sha256');
          expect(await store.has(`sha256:${path.basename(file)}`)).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  }, 120_000);

  it('work units: a valid pack or a typed error', async () => {
    const dir = await copyExampleWorkspace('fuzz-unit');
    const unitFile = path.join(dir, WORK_UNIT);
    const { parse } = await import('yaml');
    const { readFile } = await import('node:fs/promises');
    const base = parse(await readFile(unitFile, 'utf8')) as Record<string, unknown>;
    const keys = [...Object.keys(base), 'extra'];
    const workspace = await Workspace.open(dir);
    const store = new FilePackStore(path.join(dir, '.ctxpack/store'));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...keys), deep, async (key, value) => {
        await writeFile(unitFile, stringify(mutate(base, key, value)));
        await assembleAndStore(workspace, 'coder', { path: WORK_UNIT }, store).then(
          (packs) => expect(packs.workUnit.hash).toMatch(/^sha256:/),
          (err: unknown) => expect(err, String(err)).toBeInstanceOf(CtxPackError),
        );
      }),
      { numRuns: RUNS },
    );
  }, 120_000);

  it('raw bytes as a role file: a typed error, never a crash', async () => {
    const dir = await copyExampleWorkspace('fuzz-bytes');
    const roleFile = path.join(dir, '.ctxpack/roles/coder.yaml');
    const workspace = await Workspace.open(dir);
    const store = new FilePackStore(path.join(dir, '.ctxpack/store'));
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), async (bytes) => {
        await writeFile(roleFile, bytes);
        await expect(assembleAndStore(workspace, 'coder', { path: WORK_UNIT }, store)).rejects.toBeInstanceOf(CtxPackError);
      }),
      { numRuns: RUNS },
    );
  }, 120_000);

  it('swap requests: parsed or refused with a reason, never a throw from the rules', () => {
    const description = {
      cloud_allowed: true,
      provider_registry_hash: null,
      micro_tasks: [{ id: 'MT-1', title: 't' }],
      providers: [{ id: 'local-small', location: 'local' as const, models: ['m'] }],
      roles: [{ role_id: 'coder', cloud_allowed: false, escalate_after_failures: 1, max_iterations: 1, ladder: [{ provider: 'local-small', model: 'm' }] }],
    };
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('request_id', 'target_role', 'model', 'provider', 'reason', 'requester', 'pinned_pack_hash', 'x'), deep), (raw) => {
        const parsed = SwapRequest.safeParse(raw);
        if (!parsed.success) {
          expect(parsed.error.issues.length).toBeGreaterThan(0);
          return;
        }
        const problem = swapProblem(parsed.data, { description, cloudConsent: false, processedRequestIds: new Set(), swapInFlight: undefined });
        expect(problem === undefined || problem.length > 0).toBe(true);
      }),
      { numRuns: RUNS * 10 },
    );
  });
});
