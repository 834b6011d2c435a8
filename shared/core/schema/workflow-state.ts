/**
 * What the governed workflows keep, show and carry: the operator view (`packState`), the state carried
 * by continue-as-new, cloud consent, the multi-role job's input, and the small structured results a
 * workflow may act on (a validator's verdict, an orchestrator's plan). Pure zod: workflow code parses
 * with these.
 */
import { z } from 'zod';
import { Id, WorkspacePath } from './common.js';
import { FreshnessDecision, FreshnessPolicy } from './freshness.js';
import { PackBinding, ProviderLocation, Seat, SwapLogEntry, WorkspaceDescription } from './governed-job.js';

/** The `grantCloudConsent` Update's input: who consents (a person or a ticket), and why. */
export const CloudConsentRequest = z.strictObject({
  granted_by: z
    .string()
    .max(128)
    .refine((value) => value.trim() !== '', { error: 'granted_by must name who grants cloud consent' }),
  note: z.string().max(500).optional(),
});
export type CloudConsentRequest = z.infer<typeof CloudConsentRequest>;

/** Consent as recorded for the job (RT-LEAK-001), with the workflow time it was granted. */
export const CloudConsent = z.strictObject({
  granted_by: z.string(),
  at: z.string(),
  note: z.string().optional(),
});
export type CloudConsent = z.infer<typeof CloudConsent>;

/** One named seat of a job (e.g. `coder`) and the packs bound to it. */
export const SeatView = z.strictObject({
  name: Id,
  seat: Seat,
  location: ProviderLocation,
  binding: PackBinding,
});
export type SeatView = z.infer<typeof SeatView>;

/** The operator view: seat, packs, position, markers, swap log (the `packState` query's answer). */
export const PackState = z.strictObject({
  status: z.enum(['binding', 'running', 'passed', 'failed']),
  workspace_id: Id,
  job_id: z.string().nullable(),
  /** The seat doing the work now (a one-seat job: its only seat). */
  seat: Seat,
  location: ProviderLocation,
  cloud_tier: z.string().nullable(),
  cloud_consent: z.boolean(),
  cloud_consent_record: CloudConsent.nullable(),
  binding: PackBinding.nullable(),
  position: z.strictObject({
    micro_task: z.string().nullable(),
    index: z.number().int().min(0),
    of: z.number().int().min(0),
    iteration: z.number().int().min(0),
  }),
  freshness: FreshnessDecision.nullable(),
  last_decision: z.string().nullable(),
  invocations: z.number().int().min(0),
  swaps_total: z.number().int().min(0),
  swap_log: z.array(SwapLogEntry),
  /** A job with several seats (orchestrator, coder, validator): every seat and its packs. */
  seats: z.array(SeatView).optional(),
});
export type PackState = z.infer<typeof PackState>;

export const CompletedMicroTask = z.strictObject({ id: Id, iterations: z.number().int().min(1) });

/** The seats, swap dedupe and consent of a job, carried by continue-as-new. */
export const CarriedSeats = z.strictObject({
  description: WorkspaceDescription,
  seats: z.array(z.strictObject({ name: Id, seat: Seat, binding: PackBinding })).min(1),
  freshness: FreshnessDecision.nullable(),
  /** Update ids already applied: Temporal's own Update dedupe does not survive continue-as-new. */
  processed_request_ids: z.array(z.string()),
  swap_log: z.array(SwapLogEntry),
  swaps_total: z.number().int().min(0),
  cloud_consent: CloudConsent.nullable().optional(),
});
export type CarriedSeats = z.infer<typeof CarriedSeats>;

/** State carried into the next run by continue-as-new (Update-id dedupe does not survive it). */
export const CarriedState = z.strictObject({
  description: WorkspaceDescription,
  seat: Seat,
  binding: PackBinding,
  freshness: FreshnessDecision.nullable(),
  micro_task_index: z.number().int().min(0),
  completed: z.array(CompletedMicroTask),
  processed_request_ids: z.array(z.string()),
  swap_log: z.array(SwapLogEntry),
  swaps_total: z.number().int().min(0),
  invocations: z.number().int().min(0),
  cloud_consent: CloudConsent.nullable().optional(),
});
export type CarriedState = z.infer<typeof CarriedState>;

/** A validator's answer (the `verdict` result preset): pass or fail, with findings as data. */
export const VerdictResult = z.strictObject({
  verdict: z.enum(['pass', 'fail']),
  findings: z.array(z.strictObject({ file: z.string(), line: z.number().int().min(1).optional(), message: z.string() })),
});
export type VerdictResult = z.infer<typeof VerdictResult>;

/** An orchestrator's answer (the `plan` result preset): the micro-task ids to do next, in order. */
export const PlanResult = z.strictObject({ next_micro_tasks: z.array(z.string()) });
export type PlanResult = z.infer<typeof PlanResult>;

/** How a multi-role job runs each role step: inline activities, or a child workflow per step. */
export const StepMode = z.enum(['inline', 'child']);

/** The input of the `multiRoleJob` workflow: orchestrator, coder and validator seats over one work unit. */
export const MultiRoleJobInput = z.strictObject({
  workspace_id: Id,
  work_unit: WorkspacePath,
  /** The three seats; each seat's role is the role its packs are built for. */
  seats: z.strictObject({ orchestrator: Seat, coder: Seat, validator: Seat }),
  freshness: FreshnessPolicy.default({ regen_allowed: true, regen_required: false }),
  cloud_consent: z.boolean().default(false),
  /** `child`: every role step is a child workflow with its own history, linked from the parent. */
  steps: StepMode.default('inline'),
  /** Continue-as-new after this many micro-tasks (besides when Temporal suggests it), to keep history flat. */
  micro_tasks_per_run: z.number().int().min(1).optional(),
  workspace_task_queue: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$/, { error: 'must be 1-200 letters, digits, ".", "_", ":", "/" or "-"' })
    .optional(),
});
export type MultiRoleJobInput = z.input<typeof MultiRoleJobInput>;
/** A parsed {@link MultiRoleJobInput}, with its defaults applied. */
export type MultiRoleJobParams = z.output<typeof MultiRoleJobInput>;

/** Carried by the multi-role job's continue-as-new. */
export const MultiRoleCarried = z.strictObject({
  seats: CarriedSeats,
  completed: z.array(CompletedMicroTask),
  invocations: z.number().int().min(0),
  reviews_failed: z.number().int().min(0),
});
export type MultiRoleCarried = z.infer<typeof MultiRoleCarried>;

/** Which structured result a role step expects (the role's `result:` preset). */
export const StepResultKind = z.enum(['none', 'verdict', 'plan']);
export type StepResultKind = z.infer<typeof StepResultKind>;

/** One role step run as a child workflow (`governedRoleStep`): a governed invocation of one seat. */
export const RoleStepInput = z.strictObject({
  workspace_id: Id,
  workspace_task_queue: z.string().optional(),
  seat: Seat,
  binding: PackBinding,
  micro_task: Id,
  iteration: z.number().int().min(1),
  cloud_consent: z.boolean(),
  feedback: z.string().optional(),
  escalate_on_provider_errors: z.array(z.string()).optional(),
  verify: z.boolean(),
  result: StepResultKind,
});
export type RoleStepInput = z.infer<typeof RoleStepInput>;
