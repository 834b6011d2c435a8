/**
 * Messages and records of the governed-job workflow: its input, swap requests and results, the
 * identity recorded for every model invocation, and the state operators read. Pure zod: the workflow
 * imports these to validate Update and Signal input.
 */
import { z } from 'zod';
import { GovernanceMode, Id, ModelId, RoleId, Sha256Hash, Version, WorkspacePath } from './common.js';
import { FreshnessPolicy } from './freshness.js';

/** The task queue the plugin's workers poll unless told otherwise. */
export const DEFAULT_TASK_QUEUE = 'context-packs';

/** The conventional task queue of the workers that have workspace `workspaceId` (workspace-affine routing). */
export function workspaceTaskQueue(workspaceId: string, base = DEFAULT_TASK_QUEUE): string {
  return `${base}.workspace.${workspaceId}`;
}

/**
 * Where an artifact lives. Goes into Temporal history and packs, so it is never a host path, a
 * bucket URL with credentials, or anything else machine-specific: just the kind and the hash key.
 */
export const StoreRef = z.strictObject({
  store: z.enum(['file', 's3']),
  /** `sha256/<64 lowercase hex>` */
  key: z.string().regex(/^sha256\/[0-9a-f]{64}$/),
});
export type StoreRef = z.infer<typeof StoreRef>;

export const ProviderLocation = z.enum(['local', 'cloud']);

/** A role, model and provider together: who does the work. */
export const Seat = z.strictObject({
  role: RoleId,
  model: ModelId,
  provider: Id,
});
export type Seat = z.infer<typeof Seat>;

/** The packs bound for a seat: hashes and store refs only, never pack bodies (history stays small). */
export const PackBinding = z.strictObject({
  role: RoleId,
  role_version: Version,
  /** Copied from the role pack so operators see them without access to the store. */
  governance_mode: GovernanceMode,
  lock_set: z.strictObject({ write: z.array(z.string()), read: z.array(z.string()), deny: z.array(z.string()) }),
  role_pack_hash: Sha256Hash,
  work_unit_pack_hash: Sha256Hash,
  store_refs: z.strictObject({ role: StoreRef, work_unit: StoreRef }),
  sizes: z.strictObject({ role: z.number().int().min(0), work_unit: z.number().int().min(0) }),
  redaction_count: z.number().int().min(0),
  freshness_markers: z.array(z.string()),
});
export type PackBinding = z.infer<typeof PackBinding>;

export const SwapReason = z.enum(['swap', 'escalation']);

/** A model swap or escalation request: target role, model and provider, reason and requester, and a request id for dedupe. */
export const SwapRequest = z.strictObject({
  /** Idempotency key: a request id is applied at most once per job, across continue-as-new. */
  request_id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, {
    error: 'must be 1-128 letters, digits, ".", "_", ":" or "-"',
  }),
  target_role: RoleId,
  model: ModelId,
  provider: Id,
  reason: SwapReason,
  /** Bind this exact work-unit pack (e.g. one a human reviewed); it must still satisfy the role. */
  pinned_pack_hash: Sha256Hash.optional(),
  requester: z.string().min(1).max(128),
});
export type SwapRequest = z.infer<typeof SwapRequest>;

export const SwapDecision = z.enum(['reused', 'rebuilt']);

/** What a swap did: reused or rebuilt, the requested and effective pack hashes, and why it rebuilt. */
export const SwapResult = z.strictObject({
  request_id: z.string(),
  seat: Seat,
  /** The work-unit pack the request pinned, or the one in force before the swap. */
  requested_pack_hash: Sha256Hash,
  /** The work-unit pack bound after the swap. */
  effective_pack_hash: Sha256Hash,
  requested_role_pack_hash: Sha256Hash,
  effective_role_pack_hash: Sha256Hash,
  decision: SwapDecision,
  /**
   * Why a rebuilt pack differs from the one in force: `role-changed`, `sources-changed`,
   * `context-window` (re-trimmed for the target model), `pinned`. Empty when reused.
   */
  rebuild_reasons: z.array(z.enum(['role-changed', 'sources-changed', 'context-window', 'pinned', 'other'])),
  /** Where the effective pack is stored. */
  context_compile_ref: StoreRef,
  freshness_markers: z.array(z.string()),
});
export type SwapResult = z.infer<typeof SwapResult>;

/** One entry of a job's swap log: who asked, from which seat to which, the outcome and both pack hashes. */
export const SwapLogEntry = z.strictObject({
  /** Workflow time (deterministic) when the swap started. */
  at: z.string(),
  request_id: z.string(),
  via: z.enum(['update', 'signal', 'workflow']),
  reason: SwapReason,
  requester: z.string(),
  from: Seat,
  to: Seat,
  outcome: z.enum(['reused', 'rebuilt', 'rejected']),
  requested_pack_hash: Sha256Hash.optional(),
  effective_pack_hash: Sha256Hash.optional(),
  /** For `rebuilt`: why the effective pack differs (see SwapResult.rebuild_reasons). */
  rebuild_reasons: z.array(z.string()).optional(),
  error: z.string().optional(),
});
export type SwapLogEntry = z.infer<typeof SwapLogEntry>;

/** Recorded for every model invocation (RoleExecutionIdentity), returned by the invoke activity. */
export const RoleExecutionIdentity = z.strictObject({
  workflow_id: z.string(),
  run_id: z.string(),
  micro_task: Id,
  iteration: z.number().int().min(1),
  role_id: RoleId,
  role_version: Version,
  model: ModelId,
  provider: Id,
  location: ProviderLocation,
  role_pack_hash: Sha256Hash,
  work_unit_pack_hash: Sha256Hash,
  render_hash: Sha256Hash,
  prefix_hash: Sha256Hash,
  store_refs: z.strictObject({ role: StoreRef, work_unit: StoreRef }),
  provider_registry_hash: Sha256Hash.nullable(),
});
export type RoleExecutionIdentity = z.infer<typeof RoleExecutionIdentity>;

/** A role as the workflow needs to know it to validate swaps without I/O. */
export const RoleSummary = z.strictObject({
  role_id: RoleId,
  cloud_allowed: z.boolean(),
  ladder: z.array(z.strictObject({ provider: Id, model: ModelId })).min(1),
  escalate_after_failures: z.number().int().min(1),
  max_iterations: z.number().int().min(1),
  escalate_on_provider_errors: z.array(z.string()).optional(),
});
export type RoleSummary = z.infer<typeof RoleSummary>;

/** What the workflow knows about the workspace (from an activity at job start). */
export const WorkspaceDescription = z.strictObject({
  cloud_allowed: z.boolean(),
  roles: z.array(RoleSummary),
  providers: z.array(
    z.strictObject({ id: Id, location: ProviderLocation, cloud_tier: z.string().optional(), models: z.array(ModelId) }),
  ),
  provider_registry_hash: Sha256Hash.nullable(),
  micro_tasks: z.array(z.strictObject({ id: Id, title: z.string() })).min(1),
});
export type WorkspaceDescription = z.infer<typeof WorkspaceDescription>;

/** The input of the `governedJob` workflow: workspace, work unit, the starting seat, freshness policy and cloud consent. */
export const GovernedJobInput = z.strictObject({
  /** A workspace id the worker maps to a directory: never a host path in history. */
  workspace_id: Id,
  /** The work unit file, relative to the workspace. */
  work_unit: WorkspacePath,
  seat: Seat,
  freshness: FreshnessPolicy.default({ regen_allowed: true, regen_required: false }),
  /** Consent to send (projected) context to cloud providers, recorded for the job. */
  cloud_consent: z.boolean().default(false),
  /** Start from this stored work-unit pack (checked for freshness) instead of assembling anew. */
  pinned_pack_hash: Sha256Hash.optional(),
  /** Continue-as-new after this many micro-tasks (besides when Temporal suggests it), to bound history. */
  micro_tasks_per_run: z.number().int().min(1).optional(),
  /**
   * Workspace-affine routing: the task queue of the workers that have this workspace (conventionally
   * `workspaceTaskQueue(workspace_id)`). Assembly, tool application and verification run there; model
   * calls stay on the workflow's own queue, served by any worker with the shared pack store. Omitted:
   * everything runs on the workflow's queue (one worker, or workers that all have the workspace).
   */
  workspace_task_queue: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$/, { error: 'must be 1-200 letters, digits, ".", "_", ":", "/" or "-"' })
    .optional(),
});
export type GovernedJobInput = z.input<typeof GovernedJobInput>;
/** A parsed {@link GovernedJobInput}, with its defaults applied. */
export type GovernedJobParams = z.output<typeof GovernedJobInput>;
