/**
 * One governed model invocation, as a workflow runs it: the workspace-side checks and provider
 * snapshot (`prepareInvocation`), the model call (`invokeModel`, on any worker with the store),
 * applying the tool calls the pack allows (`applyToolCalls`, only when there is one), and optionally
 * the verification contract (`verifyMicroTask`). Each step is an activity with a summary the Web UI
 * shows; history gets hashes, verdicts and, when the role declares one, the model's small structured
 * result, never what else the model wrote.
 */
import * as wf from '@temporalio/workflow';
import type { z } from 'zod';
import type { InvokeModelResult, VerifyResult } from '../shared/core/schema/activities.js';
import type { PackBinding, Seat } from '../shared/core/schema/governed-job.js';
import type { GovernedActivities } from './activities.js';

/** Input of {@link invokeGoverned}: the bound seat, the micro-task, the iteration and feedback from the last one. */
export interface GovernedInvocationInput {
  readonly workspace_id: string;
  readonly seat: Seat;
  readonly binding: PackBinding;
  readonly micro_task: string;
  /** 1-based attempt at this micro-task by this seat. */
  readonly iteration: number;
  readonly cloud_consent: boolean;
  /** Verification output or a reviewer's findings from the previous attempt, passed to the model as data. */
  readonly feedback?: string | undefined;
  /** Provider error classes that are final for this model (the caller escalates on them). */
  readonly escalate_on_provider_errors?: readonly string[] | undefined;
  /** Run the work unit's verification contract after the call. Default false. */
  readonly verify?: boolean | undefined;
}

/** What one governed invocation returns: the identity, hashes, gated tool calls, verification verdict and the structured result, if the role declares one. */
export interface GovernedInvocation<R = undefined> {
  /** The invocation as recorded: RoleExecutionIdentity, hashes, final tool-call verdicts, usage. */
  readonly invocation: InvokeModelResult;
  /** The verification contract's outcome when `verify` was asked for, else null. */
  readonly verification: VerifyResult | null;
  /** The role's structured result parsed with the schema given, or undefined without one. */
  readonly result: R;
}

/**
 * Runs one governed invocation of `input.seat` with its bound packs. With `resultSchema`, the
 * model's structured result (required: the role pack must declare a `result_schema`) is parsed with
 * it in the workflow; a missing or non-matching result is a non-retryable `ModelResultInvalid`.
 * Activity failures propagate as Temporal's `ActivityFailure` (use `failureType` to read them).
 */
export async function invokeGoverned(activities: GovernedActivities, input: GovernedInvocationInput): Promise<GovernedInvocation>;
export async function invokeGoverned<S extends z.ZodType>(
  activities: GovernedActivities,
  input: GovernedInvocationInput,
  resultSchema: S,
): Promise<GovernedInvocation<z.output<S>>>;
export async function invokeGoverned(
  activities: GovernedActivities,
  input: GovernedInvocationInput,
  resultSchema?: z.ZodType,
): Promise<GovernedInvocation<unknown>> {
  const { seat, binding, workspace_id } = input;
  const prepared = await activities.workspace.prepareInvocation.executeWithOptions(
    { summary: `check ${seat.role} on ${seat.model} against ${binding.work_unit_pack_hash.slice(0, 19)}…` },
    [{ workspace_id, seat, binding, cloud_consent: input.cloud_consent }],
  );
  const info = wf.workflowInfo();
  let invocation = await activities.model.invokeModel.executeWithOptions(
    { summary: `invoke ${seat.model} as ${seat.role} with ${binding.work_unit_pack_hash.slice(0, 19)}…` },
    [
      {
        workspace_id,
        provider_snapshot_hash: prepared.provider_snapshot_hash,
        workflow_id: info.workflowId,
        run_id: info.runId,
        micro_task: input.micro_task,
        iteration: input.iteration,
        seat,
        binding,
        cloud_consent: input.cloud_consent,
        ...(input.feedback !== undefined ? { feedback: input.feedback } : {}),
        ...(input.escalate_on_provider_errors !== undefined && input.escalate_on_provider_errors.length > 0
          ? { escalate_on_provider_errors: [...input.escalate_on_provider_errors] }
          : {}),
      },
    ],
  );
  // Only an answer with a tool call the pack allows has anything to apply.
  const allowed = invocation.tool_calls.filter((call) => call.allowed).length;
  if (allowed > 0) {
    const applied = await activities.workspace.applyToolCalls.executeWithOptions({ summary: `apply ${allowed} tool call(s) of ${seat.model}` }, [
      { workspace_id, role_pack_hash: binding.role_pack_hash, response_hash: invocation.response_hash },
    ]);
    invocation = { ...invocation, tool_calls: applied.tool_calls };
  }
  const verification = input.verify
    ? await activities.workspace.verifyMicroTask.executeWithOptions({ summary: `verify ${input.micro_task} (iteration ${input.iteration})` }, [
        { workspace_id, work_unit_pack_hash: invocation.identity.work_unit_pack_hash, micro_task: input.micro_task },
      ])
    : null;
  return { invocation, verification, result: resultSchema ? parseResult(resultSchema, invocation, seat) : undefined };
}

function parseResult(schema: z.ZodType, invocation: InvokeModelResult, seat: Seat): unknown {
  if (invocation.result === undefined) {
    throw wf.ApplicationFailure.nonRetryable(
      `${seat.role} on ${seat.model} returned no structured result; declare \`result:\` in .ctxpack/roles/${seat.role}.yaml`,
      'ModelResultInvalid',
    );
  }
  const parsed = schema.safeParse(invocation.result);
  if (parsed.success) return parsed.data;
  // Field paths and problems only: the values are the model's and stay out of the message.
  const problems = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.code}`).join('; ');
  throw wf.ApplicationFailure.nonRetryable(`${seat.role}'s result does not match what the workflow expects: ${problems}`, 'ModelResultInvalid');
}
