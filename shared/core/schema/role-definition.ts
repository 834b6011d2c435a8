/**
 * A role definition as authored in a workspace: `.ctxpack/roles/<role_id>.yaml` (or `.json`).
 * This is an input; the assembler turns it into a `RoleContextPack`.
 */
import { z } from 'zod';
import { GovernanceMode, Id, ModelId, RoleId, ToolName, Version, WorkspaceGlob, WorkspacePath } from './common.js';
import { RoleResult } from './result-schema.js';

export const CodexRefInput = z.strictObject({
  /** What the model knows it by, e.g. `engineering-codex`. */
  name: z.string().regex(/^[a-z][a-z0-9._-]{0,63}$/, { error: 'must be a lower-case name like "engineering-codex"' }),
  /** The version the role requires; the pack records it next to the file's content hash. */
  version: Version,
  path: WorkspacePath,
});

export const LockSetInput = z.strictObject({
  /** Globs the role may write (and read). */
  write: z.array(WorkspaceGlob).default([]),
  /** Globs the role may only read. */
  read: z.array(WorkspaceGlob).default([]),
  /** Globs the role may never touch; deny beats write and read. */
  deny: z.array(WorkspaceGlob).default([]),
});

export const LadderRung = z.strictObject({
  /** A provider id from `.ctxpack/providers.yaml`. */
  provider: Id,
  model: ModelId,
});
export type LadderRung = z.infer<typeof LadderRung>;

/** Which models may hold a role, in escalation order, when to escalate, and whether cloud is allowed. */
export const WorkProfile = z.strictObject({
  /** Whether any rung of this role may run on a cloud provider. */
  cloud_allowed: z.boolean(),
  /** Models that may hold the role, in escalation order: the first is the default. */
  ladder: z.array(LadderRung).min(1, { error: 'needs at least one model; list them in escalation order' }),
  /** Failed verifications of one micro-task before the workflow escalates to the next rung. */
  escalate_after_failures: z.number().int().min(1).max(100),
  /** Iterations of one micro-task (across rungs) before the job fails. */
  max_iterations: z.number().int().min(1).max(1000),
  /**
   * Provider failures (after Temporal's retries) that move the job up the ladder instead of failing
   * it, e.g. a local server that is down. Omitted: provider failures fail the job.
   */
  escalate_on_provider_errors: z.array(z.enum(['unavailable', 'rate-limited', 'timeout', 'bad-response', 'context-window'])).min(1).optional(),
});
export type WorkProfile = z.infer<typeof WorkProfile>;

export const RoleBudgets = z.strictObject({
  /** Strict rules are always included; a role whose rules exceed this is rejected. */
  strict_rules_tokens: z.number().int().min(1).max(1_000_000),
  /** The context payload is trimmed to fit this many tokens. */
  payload_tokens: z.number().int().min(1).max(10_000_000),
});

/** A role definition file (`.ctxpack/roles/<role>.yaml`), the input of a role pack. */
export const RoleDefinition = z.strictObject({
  schema_version: z.literal(1),
  role_id: RoleId,
  role_version: Version,
  description: z.string().max(500).optional(),
  governance_mode: GovernanceMode,
  codex: z.array(CodexRefInput).default([]),
  allowed_tools: z.array(ToolName).default([]),
  lock_set: LockSetInput,
  strict_rules: z
    .array(z.string().trim().min(1).max(500, { error: 'a strict rule is at most 500 characters; split it' }))
    .min(1, { error: 'a role needs at least one strict rule' })
    .max(50),
  budgets: RoleBudgets,
  work_profile: WorkProfile,
  /**
   * The structured result the role answers with, which a workflow may act on: `{ preset: verdict }`,
   * `{ preset: plan }`, or `{ schema: <JSON Schema> }` in the subset of result-schema.ts. Omitted: the
   * role answers in free text only.
   */
  result: RoleResult.optional(),
});
export type RoleDefinition = z.infer<typeof RoleDefinition>;
