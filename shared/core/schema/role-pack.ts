/**
 * RoleContextPack v1: everything that makes a model act as a role, identical for every model that
 * holds the role. Sort keys: `codex` by `name`; `allowed_tools` and each `lock_set` list by value.
 * `strict_rules` keep their authored order (it is their priority). `work_profile.ladder` keeps its
 * order (it is the escalation order).
 */
import { z } from 'zod';
import {
  Builder,
  GovernanceMode,
  RoleId,
  Sha256Hash,
  Sources,
  Tokenizer,
  ToolName,
  Version,
  WorkspaceGlob,
  WorkspacePath,
  sortedSet,
  sortedStrings,
} from './common.js';
import { SafeText } from '../text/brand.js';
import { RoleBudgets, WorkProfile } from './role-definition.js';
import { ResultSchema } from './result-schema.js';

export const CodexRef = z.strictObject({
  name: z.string().min(1).max(64),
  version: Version,
  path: WorkspacePath,
  sha256: Sha256Hash,
});
export type CodexRef = z.infer<typeof CodexRef>;

/** What a role may touch: `write`, `read` and `deny` globs over workspace-relative paths (deny wins). */
export const LockSet = z.strictObject({
  write: sortedStrings(WorkspaceGlob, 'glob'),
  read: sortedStrings(WorkspaceGlob, 'glob'),
  deny: sortedStrings(WorkspaceGlob, 'glob'),
});
export type LockSet = z.infer<typeof LockSet>;

/** The role pack: role id and version, codex references, governance mode, allowed tools, lock set, strict rules, budgets and work profile. */
export const RoleContextPack = z.strictObject({
  kind: z.literal('RoleContextPack'),
  schema_version: z.literal(1),
  role: z.strictObject({ id: RoleId, version: Version }),
  governance_mode: GovernanceMode,
  codex: sortedSet(CodexRef, (c) => c.name, 'name'),
  allowed_tools: sortedStrings(ToolName, 'tool'),
  lock_set: LockSet,
  strict_rules: z.array(SafeText(500)).min(1).max(50),
  budgets: RoleBudgets,
  /** Tokens the strict rules take with `tokenizer`; always <= `budgets.strict_rules_tokens`. */
  strict_rules_tokens_used: z.number().int().min(0),
  tokenizer: Tokenizer,
  work_profile: WorkProfile,
  /**
   * The role's result schema, resolved and canonical (`required` and `enum` sorted, objects closed);
   * present only when the role declares `result:`, so packs of other roles keep their bytes.
   */
  result_schema: ResultSchema.optional(),
  sources: Sources,
  builder: Builder,
});
export type RoleContextPack = z.infer<typeof RoleContextPack>;
