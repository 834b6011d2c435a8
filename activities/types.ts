/**
 * The activity contract of the governed-job workflow. Workflow code imports these types only; the
 * implementations (Node: files, hashing, processes, providers) live beside this file.
 */
import type { FreshnessDecision, FreshnessPolicy } from '../shared/schema/freshness.js';
import type {
  PackBinding,
  RoleExecutionIdentity,
  Seat,
  SwapRequest,
  SwapResult,
  WorkspaceDescription,
} from '../shared/schema/governed-job.js';

export interface DescribeWorkspaceInput {
  readonly workspace_id: string;
  readonly work_unit: string;
}

export interface BindPacksInput {
  readonly workspace_id: string;
  readonly work_unit: string;
  readonly role: string;
  /** The model the packs are for: its context window (from the provider registry) bounds the payload. */
  readonly model?: { readonly model: string; readonly provider: string };
  readonly freshness: FreshnessPolicy;
  readonly pinned_pack_hash?: string;
}

export interface BindPacksResult {
  readonly binding: PackBinding;
  readonly freshness: FreshnessDecision;
}

export interface SwapPacksInput {
  readonly workspace_id: string;
  readonly work_unit: string;
  readonly request: SwapRequest;
  readonly current: PackBinding;
  readonly freshness: FreshnessPolicy;
}

export interface SwapPacksResult {
  readonly binding: PackBinding;
  readonly result: SwapResult;
}

/**
 * Workspace-side checks before a model call (RT-ROLE-001 against the live role definition, cloud
 * consent) and the provider snapshot the call will use, stored content-addressed so a worker without
 * the workspace can make the call.
 */
export interface PrepareInvocationInput {
  readonly workspace_id: string;
  readonly seat: Seat;
  readonly binding: PackBinding;
  readonly cloud_consent: boolean;
}

export interface PrepareInvocationResult {
  /** The stored provider snapshot (registry entry, registry hash, scripted answers if any). */
  readonly provider_snapshot_hash: string;
  readonly provider_registry_hash: string | null;
  readonly location: 'local' | 'cloud';
}

export interface InvokeModelInput {
  readonly workspace_id: string;
  /** From {@link PrepareInvocationResult}: the provider configuration, loaded from the pack store. */
  readonly provider_snapshot_hash: string;
  readonly workflow_id: string;
  readonly run_id: string;
  readonly micro_task: string;
  readonly iteration: number;
  readonly seat: Seat;
  readonly binding: PackBinding;
  readonly cloud_consent: boolean;
  /** Verification output of the previous failed iteration, passed to the model as data. */
  readonly feedback?: string;
  /**
   * Provider error classes the work profile escalates on: such a failure is final for this model (not
   * retried), so the workflow moves up the ladder at once instead of after every retry.
   */
  readonly escalate_on_provider_errors?: readonly string[];
}

export interface ToolCallRecord {
  readonly tool: string;
  readonly path?: string;
  readonly allowed: boolean;
  /**
   * Why a call was denied: `tool-not-allowed`, `path-missing`, `path-rejected:<rule>`, `lock-deny`,
   * `lock-read-only` (a write to a read-only path), `lock-not-in-lock-set`.
   */
  readonly rule?: string;
}

export interface InvokeModelResult {
  readonly identity: RoleExecutionIdentity;
  /** For cloud providers: what the projection removed or redacted (counts and item hashes only). */
  readonly projection?: { readonly removed_item_ids: readonly string[]; readonly counts: Readonly<Record<string, number>> };
  /** Hash of the model's text answer; the text itself stays out of history. */
  readonly output_hash: string;
  /**
   * The stored model response (text and tool calls with their content), which the workspace side
   * applies: file contents written by a model never pass through history.
   */
  readonly response_hash: string;
  /** The gate's verdict on each tool call, from the packs alone; the workspace side may still refuse a write. */
  readonly tool_calls: readonly ToolCallRecord[];
  /**
   * For a role pack with a `result_schema`: the model's structured result, valid against that schema,
   * redacted (secrets, host paths, invisible characters) and at most 16 KiB of canonical JSON. The
   * only model-written content that enters history; a workflow may act on it. Without a valid
   * result the activity fails with `ModelResultInvalid` instead.
   */
  readonly result?: unknown;
  /** `sha256:` of the result's canonical JSON, when there is a result. */
  readonly result_hash?: string;
  /** What redaction changed in the result, as counts by rule (never values); absent when nothing was. */
  readonly result_redactions?: Readonly<Record<string, number>>;
  readonly usage: {
    readonly input_tokens: number;
    readonly output_tokens: number;
    /** Prompt tokens served from the provider's cache (the byte-stable role prefix), when it reports them. */
    readonly cached_input_tokens?: number;
    /** The project's own (estimator) count of the rendered messages; `input_tokens` is the provider's. */
    readonly estimated_input_tokens?: number;
    /** The chat-template tokens the model's registry entry reserves (request_fit), when it has one. */
    readonly template_overhead_tokens?: number;
  };
}

export interface ApplyToolCallsInput {
  readonly workspace_id: string;
  readonly role_pack_hash: string;
  readonly response_hash: string;
}

export interface ApplyToolCallsResult {
  /** The final verdict on every tool call of the response, in order; allowed writes were applied. */
  readonly tool_calls: readonly ToolCallRecord[];
}

export interface VerifyInput {
  readonly workspace_id: string;
  readonly work_unit_pack_hash: string;
  readonly micro_task: string;
}

export interface VerifyResult {
  readonly passed: boolean;
  readonly commands: readonly {
    readonly argv0: string;
    readonly exit_code: number | null;
    readonly timed_out: boolean;
  }[];
  /** The last lines of output of the first failing command (secrets redacted), for the next iteration. */
  readonly feedback?: string;
}

/** Activities that need the workspace's files: they run on its task queue (see `workspaceTaskQueue`). */
export const WORKSPACE_ACTIVITIES = ['describeWorkspace', 'bindPacks', 'swapPacks', 'prepareInvocation', 'applyToolCalls', 'verifyMicroTask'] as const;
/** Activities any worker with the pack store can run. */
export const MODEL_ACTIVITIES = ['invokeModel'] as const;

export interface GovernedJobActivities {
  describeWorkspace(input: DescribeWorkspaceInput): Promise<WorkspaceDescription>;
  bindPacks(input: BindPacksInput): Promise<BindPacksResult>;
  swapPacks(input: SwapPacksInput): Promise<SwapPacksResult>;
  prepareInvocation(input: PrepareInvocationInput): Promise<PrepareInvocationResult>;
  invokeModel(input: InvokeModelInput): Promise<InvokeModelResult>;
  applyToolCalls(input: ApplyToolCallsInput): Promise<ApplyToolCallsResult>;
  verifyMicroTask(input: VerifyInput): Promise<VerifyResult>;
}
