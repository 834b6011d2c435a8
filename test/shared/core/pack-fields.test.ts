/**
 * Every field of both packs, classified: does it restrict the role (RT-SWAP-001 compares it in
 * restrictions.ts; RT-ROLE-001 checks it before a model call) and does the model see it (render.ts)?
 * A new field fails the first test until it is classified here, which is the prompt to walk the
 * "new pack field" checklist in CONTRIBUTING.md; the others fail when a classification is not backed
 * by the code it names.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RoleContextPack } from '../../../shared/core/schema/role-pack.js';
import { WorkUnitContextPack } from '../../../shared/core/schema/work-unit-pack.js';
import { REPO } from '../../architecture/import-graph.js';

interface FieldClass {
  /** `swap`: a pinned pack may not weaken it (restrictions.ts); `identity`: checked before each model call (invoke-model.ts). */
  readonly restricts: 'swap' | 'identity' | 'swap+identity' | false;
  readonly rendered: boolean;
}

const ROLE_FIELDS: Record<keyof RoleContextPack, FieldClass> = {
  kind: { restricts: false, rendered: false },
  schema_version: { restricts: false, rendered: false },
  role: { restricts: 'swap+identity', rendered: true },
  governance_mode: { restricts: 'swap', rendered: true },
  codex: { restricts: 'identity', rendered: true },
  allowed_tools: { restricts: 'swap+identity', rendered: true },
  lock_set: { restricts: 'swap', rendered: true },
  strict_rules: { restricts: 'swap', rendered: true },
  budgets: { restricts: false, rendered: false },
  strict_rules_tokens_used: { restricts: false, rendered: false },
  tokenizer: { restricts: false, rendered: false },
  work_profile: { restricts: 'identity', rendered: false },
  result_schema: { restricts: 'swap', rendered: true },
  sources: { restricts: false, rendered: false },
  builder: { restricts: false, rendered: false },
};

const WORK_UNIT_FIELDS: Record<keyof WorkUnitContextPack, FieldClass> = {
  kind: { restricts: false, rendered: false },
  schema_version: { restricts: false, rendered: false },
  job_id: { restricts: false, rendered: true },
  work_packet_id: { restricts: false, rendered: true },
  micro_tasks: { restricts: false, rendered: true },
  role: { restricts: false, rendered: false },
  role_pack_hash: { restricts: 'identity', rendered: false },
  required_files: { restricts: false, rendered: true },
  verification: { restricts: false, rendered: true },
  payload: { restricts: false, rendered: true },
  budgets: { restricts: false, rendered: false },
  sources: { restricts: false, rendered: false },
  sources_hash: { restricts: false, rendered: false },
  redactions: { restricts: false, rendered: false },
  builder: { restricts: false, rendered: false },
};

const source = (file: string) => readFileSync(path.join(REPO, file), 'utf8');
const RESTRICTIONS = source('shared/core/restrictions.ts');
const IDENTITY = source('activities/invoke-model.ts');
const RENDER = source('shared/engine/render.ts');

describe.each([
  ['RoleContextPack', RoleContextPack, ROLE_FIELDS, 'rolePack'],
  ['WorkUnitContextPack', WorkUnitContextPack, WORK_UNIT_FIELDS, 'unit'],
] as const)('%s fields', (_name, schema, fields, renderName) => {
  it('are all classified (walk CONTRIBUTING.md "A new pack field" for a new one)', () => {
    expect(Object.keys(schema.shape).sort()).toEqual(Object.keys(fields).sort());
  });

  it('that restrict a swap are compared in restrictions.ts', () => {
    if (renderName !== 'rolePack') return expect(Object.values(fields).some((f) => f.restricts === 'swap')).toBe(false);
    const missing = Object.entries(fields)
      .filter(([, f]) => f.restricts === 'swap' || f.restricts === 'swap+identity')
      .filter(([field]) => !RESTRICTIONS.includes(`candidate.${field}`) || !RESTRICTIONS.includes(`demanded.${field}`))
      .map(([field]) => field);
    expect(missing).toEqual([]);
  });

  it('that restrict the identity are checked before a model call', () => {
    const prefix = renderName === 'rolePack' ? 'rolePack' : 'unitPack';
    const missing = Object.entries(fields)
      .filter(([, f]) => f.restricts === 'identity' || f.restricts === 'swap+identity')
      .filter(([field]) => !IDENTITY.includes(`${prefix}.${field}`))
      .map(([field]) => field);
    expect(missing).toEqual([]);
  });

  it('that the model sees are rendered, and no others', () => {
    const rendered = Object.keys(fields).filter((field) => RENDER.includes(`${renderName}.${field}`));
    const expected = Object.entries(fields).filter(([, f]) => f.rendered).map(([field]) => field);
    expect(rendered.sort()).toEqual(expected.sort());
  });
});
