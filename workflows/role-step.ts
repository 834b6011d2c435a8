/**
 * A role step: one governed invocation of one seat, inline or as a child workflow. As a child it has
 * its own history (its RoleExecutionIdentity and pack hashes there, linked from the parent in the Web
 * UI), which keeps the parent's history flat as micro-tasks grow.
 */
import * as wf from '@temporalio/workflow';
import type { InvokeModelResult, VerifyResult } from '../shared/core/schema/activities.js';
import type { PlanResult, RoleStepInput, StepResultKind, VerdictResult } from '../shared/core/schema/workflow-state.js';
import { governedActivities, type GovernedActivities } from './activities.js';
import { invokeGoverned } from './invocation.js';
import { loadedWorkflowSchemas, loadWorkflowSchemas } from './schemas.js';

/** What one role step (inline or as a child workflow) returns. */
export interface RoleStepResult {
  readonly invocation: InvokeModelResult;
  readonly verification: VerifyResult | null;
  /** The verdict or plan, parsed with its schema; null for `result: none`. */
  readonly verdict: VerdictResult | null;
  readonly plan: PlanResult | null;
}

/** Runs the step with `activities` in the calling workflow. */
export async function runRoleStep(activities: GovernedActivities, input: RoleStepInput): Promise<RoleStepResult> {
  const base = {
    workspace_id: input.workspace_id,
    seat: input.seat,
    binding: input.binding,
    micro_task: input.micro_task,
    iteration: input.iteration,
    cloud_consent: input.cloud_consent,
    feedback: input.feedback,
    escalate_on_provider_errors: input.escalate_on_provider_errors,
    verify: input.verify,
  };
  const kind: StepResultKind = input.result;
  const { PlanResult, VerdictResult } = loadedWorkflowSchemas() ?? (await loadWorkflowSchemas());
  if (kind === 'verdict') {
    const step = await invokeGoverned(activities, base, VerdictResult);
    return { invocation: step.invocation, verification: step.verification, verdict: step.result, plan: null };
  }
  if (kind === 'plan') {
    const step = await invokeGoverned(activities, base, PlanResult);
    return { invocation: step.invocation, verification: step.verification, verdict: null, plan: step.result };
  }
  const step = await invokeGoverned(activities, base);
  return { invocation: step.invocation, verification: step.verification, verdict: null, plan: null };
}

/** The child-workflow form of a role step (registered by the plugin next to the jobs). */
export async function governedRoleStep(rawInput: RoleStepInput): Promise<RoleStepResult> {
  const { RoleStepInput } = loadedWorkflowSchemas() ?? (await loadWorkflowSchemas());
  const parsed = RoleStepInput.safeParse(rawInput);
  if (!parsed.success) {
    throw wf.ApplicationFailure.nonRetryable(
      `invalid role step input: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      'PackSchemaInvalid',
    );
  }
  return runRoleStep(governedActivities(parsed.data.workspace_task_queue), parsed.data);
}
