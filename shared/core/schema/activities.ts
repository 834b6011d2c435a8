/**
 * The activity contract of the governed workflows, as zod schemas: what each activity takes and
 * returns. One source of truth for three readers: the activities parse their input with it (a bad
 * input is a non-retryable PackSchemaInvalid naming the field), workflow code takes its types from it
 * (`activities/types.ts` derives them with `z.infer`), and the history readers of `ctxpack replay`,
 * `show` and `gc` parse recorded payloads with it instead of trusting a cast.
 *
 * Pure zod: workflow code may import this module.
 */
import { z } from 'zod';
import { Id, Sha256Hash } from './common.js';
import { FreshnessDecision, FreshnessPolicy } from './freshness.js';
import { PackBinding, ProviderLocation, RoleExecutionIdentity, Seat, SwapRequest, SwapResult, WorkspaceDescription } from './governed-job.js';

export const DescribeWorkspaceInput = z.strictObject({
  workspace_id: Id,
  work_unit: z.string().min(1),
});
export type DescribeWorkspaceInput = z.infer<typeof DescribeWorkspaceInput>;

export const BindPacksInput = z.strictObject({
  workspace_id: Id,
  work_unit: z.string().min(1),
  role: z.string().min(1),
  /** The model the packs are for: its context window (from the provider registry) bounds the payload. */
  model: z.strictObject({ model: z.string().min(1), provider: z.string().min(1) }).optional(),
  freshness: FreshnessPolicy,
  pinned_pack_hash: Sha256Hash.optional(),
});
export type BindPacksInput = z.infer<typeof BindPacksInput>;

/** What `bindPacks` returns: the binding (hashes, store refs, sizes, lock set) and the freshness decision. */
export const BindPacksResult = z.strictObject({
  binding: PackBinding,
  freshness: FreshnessDecision,
});
export type BindPacksResult = z.infer<typeof BindPacksResult>;

export const SwapPacksInput = z.strictObject({
  workspace_id: Id,
  work_unit: z.string().min(1),
  request: SwapRequest,
  current: PackBinding,
  freshness: FreshnessPolicy,
});
export type SwapPacksInput = z.infer<typeof SwapPacksInput>;

/** What `swapPacks` returns: the new binding and the swap result (requested and effective hashes). */
export const SwapPacksResult = z.strictObject({
  binding: PackBinding,
  result: SwapResult,
});
export type SwapPacksResult = z.infer<typeof SwapPacksResult>;

/**
 * Workspace-side checks before a model call (RT-ROLE-001 against the live role definition, cloud
 * consent) and the provider snapshot the call will use, stored content-addressed so a worker without
 * the workspace can make the call.
 */
export const PrepareInvocationInput = z.strictObject({
  workspace_id: Id,
  seat: Seat,
  binding: PackBinding,
  cloud_consent: z.boolean(),
});
export type PrepareInvocationInput = z.infer<typeof PrepareInvocationInput>;

export const PrepareInvocationResult = z.strictObject({
  /** The stored provider snapshot (registry entry, registry hash, scripted answers if any). */
  provider_snapshot_hash: Sha256Hash,
  provider_registry_hash: Sha256Hash.nullable(),
  location: ProviderLocation,
});
export type PrepareInvocationResult = z.infer<typeof PrepareInvocationResult>;

/** Input of the `invokeModel` activity. */
export const InvokeModelInput = z.strictObject({
  workspace_id: Id,
  /** From PrepareInvocationResult: the provider configuration, loaded from the pack store. */
  provider_snapshot_hash: Sha256Hash,
  workflow_id: z.string().min(1),
  run_id: z.string().min(1),
  micro_task: Id,
  iteration: z.number().int().min(1),
  seat: Seat,
  binding: PackBinding,
  cloud_consent: z.boolean(),
  /** Verification output (or a reviewer's findings) of the previous failed iteration, passed to the model as data. */
  feedback: z.string().optional(),
  /**
   * Provider error classes the work profile escalates on: such a failure is final for this model (not
   * retried), so the workflow moves up the ladder at once instead of after every retry.
   */
  escalate_on_provider_errors: z.array(z.string()).optional(),
});
export type InvokeModelInput = z.infer<typeof InvokeModelInput>;

/** A tool call as recorded: tool, path, whether the pack allowed it and the rule that decided. */
export const ToolCallRecord = z.strictObject({
  tool: z.string(),
  path: z.string().optional(),
  allowed: z.boolean(),
  /**
   * Why a call was denied: `tool-not-allowed`, `path-missing`, `path-rejected:<rule>`, `lock-deny`,
   * `lock-read-only` (a write to a read-only path), `lock-not-in-lock-set`.
   */
  rule: z.string().optional(),
});
export type ToolCallRecord = z.infer<typeof ToolCallRecord>;

export const InvocationUsage = z.strictObject({
  input_tokens: z.number().int().min(0),
  output_tokens: z.number().int().min(0),
  /** Prompt tokens served from the provider's cache (the byte-stable role prefix), when it reports them. */
  cached_input_tokens: z.number().int().min(0).optional(),
  /** The project's own (estimator) count of the rendered messages; `input_tokens` is the provider's. */
  estimated_input_tokens: z.number().int().min(0).optional(),
  /** The chat-template tokens the model's registry entry reserves (request_fit), when it has one. */
  template_overhead_tokens: z.number().int().min(0).optional(),
});

/** Result of the `invokeModel` activity: hashes, identity, gated tool calls and the schema-checked, redacted result. */
export const InvokeModelResult = z.strictObject({
  identity: RoleExecutionIdentity,
  /** For cloud providers: what the projection removed or redacted (counts and item hashes only). */
  projection: z
    .strictObject({ removed_item_ids: z.array(z.string()), counts: z.record(z.string(), z.number()) })
    .optional(),
  /** Hash of the model's text answer; the text itself stays out of history. */
  output_hash: Sha256Hash,
  /**
   * The stored model response (text and tool calls with their content), which the workspace side
   * applies: file contents written by a model never pass through history.
   */
  response_hash: Sha256Hash,
  /** The gate's verdict on each tool call, from the packs alone; the workspace side may still refuse a write. */
  tool_calls: z.array(ToolCallRecord),
  usage: InvocationUsage,
  /**
   * For a role pack with a `result_schema`: the model's structured result, valid against that schema,
   * redacted (secrets, host paths, invisible characters) and at most 16 KiB of canonical JSON. The
   * only model-written content that enters history; a workflow may act on it. Without a valid
   * result the activity fails with `ModelResultInvalid` instead.
   */
  result: z.unknown().optional(),
  /** `sha256:` of the result's canonical JSON, when there is a result. */
  result_hash: Sha256Hash.optional(),
  /** What redaction changed in the result, as counts by rule (never values); absent when nothing was. */
  result_redactions: z.record(z.string(), z.number().int().min(0)).optional(),
});
export type InvokeModelResult = z.infer<typeof InvokeModelResult>;

export const ApplyToolCallsInput = z.strictObject({
  workspace_id: Id,
  role_pack_hash: Sha256Hash,
  response_hash: Sha256Hash,
});
export type ApplyToolCallsInput = z.infer<typeof ApplyToolCallsInput>;

export const ApplyToolCallsResult = z.strictObject({
  /** The final verdict on every tool call of the response, in order; allowed writes were applied. */
  tool_calls: z.array(ToolCallRecord),
});
export type ApplyToolCallsResult = z.infer<typeof ApplyToolCallsResult>;

export const VerifyInput = z.strictObject({
  workspace_id: Id,
  work_unit_pack_hash: Sha256Hash,
  micro_task: Id,
});
export type VerifyInput = z.infer<typeof VerifyInput>;

/** Result of the `verifyMicroTask` activity: passed or not, with feedback for the next iteration. */
export const VerifyResult = z.strictObject({
  passed: z.boolean(),
  commands: z.array(
    z.strictObject({
      argv0: z.string(),
      exit_code: z.number().int().nullable(),
      timed_out: z.boolean(),
    }),
  ),
  /** The last lines of output of the first failing command (secrets redacted), for the next iteration. */
  feedback: z.string().optional(),
});
export type VerifyResult = z.infer<typeof VerifyResult>;

/** Each activity's input and result schema, by activity name. */
export const ACTIVITY_CONTRACT = {
  describeWorkspace: { input: DescribeWorkspaceInput, result: WorkspaceDescription },
  bindPacks: { input: BindPacksInput, result: BindPacksResult },
  swapPacks: { input: SwapPacksInput, result: SwapPacksResult },
  prepareInvocation: { input: PrepareInvocationInput, result: PrepareInvocationResult },
  invokeModel: { input: InvokeModelInput, result: InvokeModelResult },
  applyToolCalls: { input: ApplyToolCallsInput, result: ApplyToolCallsResult },
  verifyMicroTask: { input: VerifyInput, result: VerifyResult },
} as const;
export type ActivityName = keyof typeof ACTIVITY_CONTRACT;

/** Activities that need the workspace's files: they run on its task queue (see `workspaceTaskQueue`). */
export const WORKSPACE_ACTIVITIES = ['describeWorkspace', 'bindPacks', 'swapPacks', 'prepareInvocation', 'applyToolCalls', 'verifyMicroTask'] as const;
/** Activities any worker with the pack store can run. */
export const MODEL_ACTIVITIES = ['invokeModel'] as const;

/** The plugin's activities as workflow code calls them (the contract's schemas give their inputs and results). */
export interface GovernedJobActivities {
  describeWorkspace(input: DescribeWorkspaceInput): Promise<WorkspaceDescription>;
  bindPacks(input: BindPacksInput): Promise<BindPacksResult>;
  swapPacks(input: SwapPacksInput): Promise<SwapPacksResult>;
  prepareInvocation(input: PrepareInvocationInput): Promise<PrepareInvocationResult>;
  invokeModel(input: InvokeModelInput): Promise<InvokeModelResult>;
  applyToolCalls(input: ApplyToolCallsInput): Promise<ApplyToolCallsResult>;
  verifyMicroTask(input: VerifyInput): Promise<VerifyResult>;
}
