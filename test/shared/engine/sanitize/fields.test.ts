/**
 * No pack field bypasses the sanitizer (#14). Every string a pack can carry is listed here with the
 * treatment it gets; a field added to a pack schema without a decision fails this test. The TypeScript
 * side is the brand (shared/core/text/brand.ts): free text in a pack type only accepts strings the
 * sanitizer returned.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assemblePacks } from '../../../../shared/engine/assemble/index.js';
import { isVisible } from '../../../../shared/core/text/visible.js';
import { Workspace } from '../../../../shared/engine/workspace-fs.js';
import { copyExampleWorkspace, WORK_UNIT } from '../../../support/workspace.js';

/**
 * prose: sanitized (redacted, host paths rewritten, made visible, bounded);
 * exact: refused when the sanitizer would change it (ids, argv, strict rules, paths);
 * structural: produced by the builder from a fixed vocabulary or a hash (never authored text).
 */
const FIELDS: Record<string, 'prose' | 'exact' | 'structural'> = {
  'role.kind': 'structural',
  'role.role.id': 'exact',
  'role.role.version': 'exact',
  'role.governance_mode': 'structural',
  'role.codex[].name': 'exact',
  'role.codex[].version': 'exact',
  'role.codex[].path': 'exact',
  'role.codex[].sha256': 'structural',
  'role.allowed_tools[]': 'exact',
  'role.lock_set.write[]': 'exact',
  'role.lock_set.read[]': 'exact',
  'role.lock_set.deny[]': 'exact',
  'role.strict_rules[]': 'exact',
  'role.tokenizer.id': 'structural',
  'role.tokenizer.version': 'structural',
  'role.work_profile.ladder[].provider': 'exact',
  'role.work_profile.ladder[].model': 'exact',
  'role.sources[].source_id': 'exact',
  'role.sources[].source_hash': 'structural',
  'role.builder.id': 'structural',
  'role.builder.version': 'structural',
  'role.builder.config_hash': 'structural',
  'unit.kind': 'structural',
  'unit.job_id': 'exact',
  'unit.work_packet_id': 'exact',
  'unit.micro_tasks[].id': 'exact',
  'unit.micro_tasks[].title': 'prose',
  'unit.role.id': 'exact',
  'unit.role.version': 'exact',
  'unit.role_pack_hash': 'structural',
  'unit.required_files[].path': 'exact',
  'unit.required_files[].sha256': 'structural',
  'unit.verification.commands[].argv[]': 'exact',
  'unit.verification.commands[].cwd': 'exact',
  'unit.verification.acceptance': 'prose',
  'unit.payload.synopsis': 'prose',
  'unit.payload.facts[].id': 'structural',
  'unit.payload.facts[].text': 'prose',
  'unit.payload.facts[].source_refs[].source_id': 'exact',
  'unit.payload.constraints[].id': 'structural',
  'unit.payload.constraints[].text': 'prose',
  'unit.payload.constraints[].strength': 'structural',
  'unit.payload.constraints[].source_refs[].source_id': 'exact',
  'unit.payload.open_loops[].id': 'structural',
  'unit.payload.open_loops[].text': 'prose',
  'unit.payload.open_loops[].source_refs[].source_id': 'exact',
  'unit.payload.anchors[].path': 'exact',
  'unit.payload.anchors[].sha256': 'structural',
  'unit.payload.anchors[].label': 'prose',
  'unit.payload.coverage.scanned[]': 'exact',
  'unit.payload.coverage.skipped[].ref': 'structural',
  'unit.payload.coverage.skipped[].reason': 'structural',
  'unit.budgets.tokenizer.id': 'structural',
  'unit.budgets.tokenizer.version': 'structural',
  'unit.sources[].source_id': 'exact',
  'unit.sources[].source_hash': 'structural',
  'unit.sources_hash': 'structural',
  'unit.redactions[].source_id': 'exact',
  'unit.redactions[].rule': 'structural',
  'unit.builder.id': 'structural',
  'unit.builder.version': 'structural',
  'unit.builder.config_hash': 'structural',
};

function stringLeaves(value: unknown, at: string, out: Map<string, string[]>): void {
  if (typeof value === 'string') {
    out.set(at, [...(out.get(at) ?? []), value]);
  } else if (Array.isArray(value)) {
    for (const item of value) stringLeaves(item, `${at}[]`, out);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) stringLeaves(item, `${at}.${key}`, out);
  }
}

const made: string[] = [];
afterAll(async () => {
  for (const dir of made) await rm(path.dirname(dir), { recursive: true, force: true, maxRetries: 5 });
});

describe('every string a pack carries has a sanitizer decision', () => {
  it(`classifies all ${Object.keys(FIELDS).length} string fields of both packs`, async () => {
    const dir = await copyExampleWorkspace('fields');
    made.push(dir);
    const packs = await assemblePacks(await Workspace.open(dir), 'coder', { path: WORK_UNIT });
    const leaves = new Map<string, string[]>();
    stringLeaves(packs.role.pack, 'role', leaves);
    stringLeaves(packs.workUnit.pack, 'unit', leaves);
    const unclassified = [...leaves.keys()].filter((field) => !(field in FIELDS));
    expect(unclassified, 'pack fields without a sanitizer decision: add them to FIELDS and to the sanitizer').toEqual([]);
    // Nothing any mode would change is left in any string, whatever its class.
    for (const [field, values] of leaves) for (const value of values) expect(isVisible(value), field).toBe(true);
    const counts = { prose: 0, exact: 0, structural: 0 };
    for (const kind of Object.values(FIELDS)) counts[kind] += 1;
    expect(counts.prose).toBe(7);
  });
});

describe("a role pack's result schema (#16)", () => {
  it('carries only structural keyword values and exact-checked text', async () => {
    const dir = await copyExampleWorkspace('fields-result');
    made.push(dir);
    const packs = await assemblePacks(await Workspace.open(dir), 'validator', { path: WORK_UNIT });
    const leaves = new Map<string, string[]>();
    stringLeaves(packs.role.pack.result_schema, 'result_schema', leaves);
    expect(leaves.size).toBeGreaterThan(0);
    // Keyword values are a fixed vocabulary; property names (keys, and `required` entries) are held to the
    // charset [a-z_][a-z0-9_]* by the schema; descriptions and enum values are exact-checked at assembly.
    const kinds = new Map<string, 'structural' | 'exact'>([
      ['type', 'structural'],
      ['description', 'exact'],
      ['enum[]', 'exact'],
      ['required[]', 'structural'],
    ]);
    for (const [field, values] of leaves) {
      const last = field.slice(field.lastIndexOf('.') + 1);
      expect(kinds.has(last), `${field}: a result-schema string without a sanitizer decision`).toBe(true);
      for (const value of values) expect(isVisible(value), field).toBe(true);
    }
  });
});
