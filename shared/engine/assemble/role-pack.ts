/** Builds a RoleContextPack from a role definition and the codex files it references. */
import { builderInfo } from '../builder.js';
import { PackBudgetExceeded, PackSchemaInvalid } from '../../core/errors.js';
import { Sanitizer, type SafeString } from '../sanitize.js';
import { compareCodeUnits, toSortedSet } from '../../core/schema/common.js';
import { parseOrThrow } from '../../core/schema/parse.js';
import { RoleContextPack } from '../../core/schema/role-pack.js';
import { countTokens, TOKENIZER } from '../tokens.js';
import type { Source } from '../../core/schema/common.js';
import type { Workspace } from '../workspace-fs.js';
import { hashFileCached } from './hash-cache/index.js';
import { loadRoleDefinition } from './inputs.js';
import { resolveRoleResult } from './result-schema.js';

/** What strict rules cost: the same text `render.ts` puts in the system prompt, one rule a line. */
export function strictRulesText(rules: readonly string[]): string {
  return rules.map((rule, index) => `${index + 1}. ${rule}`).join('\n');
}

export async function buildRolePack(workspace: Workspace, roleId: string): Promise<RoleContextPack> {
  const role = await loadRoleDefinition(workspace, roleId);
  const definition = role.value;
  const field = `roles.${roleId}`;

  // Sets are sets: a repeated entry is reported, not merged away (the pack would not say it happened).
  const sets: [string, readonly string[]][] = [
    ['allowed_tools', definition.allowed_tools],
    ['lock_set.write', definition.lock_set.write],
    ['lock_set.read', definition.lock_set.read],
    ['lock_set.deny', definition.lock_set.deny],
    ['codex', definition.codex.map((c) => c.name)],
  ];
  for (const [name, values] of sets) {
    const first = new Map<string, number>();
    values.forEach((value, index) => {
      const earlier = first.get(value);
      if (earlier === undefined) first.set(value, index);
      else {
        throw new PackSchemaInvalid(`${field}.${name}[${index}] repeats entry [${earlier}] (rule duplicate)`, `remove one of them in ${role.path}`, {
          field: `${field}.${name}[${index}]`,
          rule: 'duplicate',
        });
      }
    });
  }

  // Rules are governance text: silently rewriting one would change its meaning, so a secret, a host
  // path or an invisible character in a rule is refused rather than sanitized (exact mode).
  const sanitizer = new Sanitizer(workspace.root);
  const strictRules: SafeString[] = [];
  for (const [index, rule] of definition.strict_rules.entries()) {
    strictRules.push(
      await sanitizer.exact(rule, `${field}.strict_rules[${index}]`, `remove it from the rule in ${role.path}; rules are sent to every model`),
    );
  }

  const used = countTokens(strictRulesText(definition.strict_rules));
  if (used > definition.budgets.strict_rules_tokens) {
    throw new PackBudgetExceeded(
      `${field}.strict_rules take ${used} tokens, over budgets.strict_rules_tokens (${definition.budgets.strict_rules_tokens})`,
      `shorten the strict rules (they are always included) or raise ${field}.budgets.strict_rules_tokens in ${role.path}`,
      { role: roleId, used, limit: definition.budgets.strict_rules_tokens },
    );
  }

  const sources: Source[] = [{ source_id: `role:${role.path}`, source_hash: role.hash }];
  const codex = [];
  for (const [index, ref] of definition.codex.entries()) {
    const { sha256 } = await hashFileCached(workspace, ref.path, `${field}.codex[${index}].path`);
    codex.push({ name: ref.name, version: ref.version, path: ref.path, sha256 });
    sources.push({ source_id: `codex:${ref.path}`, source_hash: sha256 });
  }

  const pack: RoleContextPack = {
    kind: 'RoleContextPack',
    schema_version: 1,
    role: { id: definition.role_id, version: definition.role_version },
    governance_mode: definition.governance_mode,
    codex: toSortedSet(codex, (c) => c.name),
    allowed_tools: [...new Set(definition.allowed_tools)].sort(compareCodeUnits),
    lock_set: {
      write: [...new Set(definition.lock_set.write)].sort(compareCodeUnits),
      read: [...new Set(definition.lock_set.read)].sort(compareCodeUnits),
      deny: [...new Set(definition.lock_set.deny)].sort(compareCodeUnits),
    },
    strict_rules: strictRules,
    budgets: definition.budgets,
    strict_rules_tokens_used: used,
    tokenizer: { ...TOKENIZER },
    work_profile: definition.work_profile,
    ...(definition.result ? { result_schema: await resolveRoleResult(definition.result, sanitizer, field, role.path) } : {}),
    sources: toSortedSet(sources, (s) => s.source_id),
    builder: builderInfo(),
  };
  // Parse what we built: a builder bug must surface here, not as an unverifiable pack later.
  return parseOrThrow(RoleContextPack, pack, `role pack for "${roleId}"`);
}
