/**
 * The governed job: bind context packs at job start, iterate micro-tasks (invoke, verify, decide),
 * swap or escalate models through one path that records both pack hashes, and keep operators'
 * views (memo, search attributes, current details) up to date. Built on the workflow-side API
 * (`seats.ts`, `invocation.ts`, `operator-view.ts`) that users' own governed workflows compose.
 *
 * Deterministic: no I/O, clock or crypto here. Packs are built, hashed and stored by activities, and
 * history holds only their hashes and store refs.
 */
import * as wf from '@temporalio/workflow';
import { CtxPackJob } from '../shared/core/search-attributes.js';
import type { GovernedJobInput, GovernedJobParams, PackBinding, Seat } from '../shared/core/schema/governed-job.js';
import type { CarriedState, PackState } from '../shared/core/schema/workflow-state.js';
import { failureType } from './activities.js';
import { invokeGoverned, type GovernedInvocation } from './invocation.js';
import { installSwapHandlers } from './messages.js';
import { installOperatorView, type OperatorView } from './operator-view.js';
import { loadedWorkflowSchemas, loadWorkflowSchemas } from './schemas.js';
import { GovernedSeats } from './seats.js';

// Messages, shared with every governed workflow (see messages.ts). Clients import these constants.
export { grantCloudConsent, modelSwap, packState, readPackState, requestModelSwap } from './messages.js';
export type { CarriedState, CloudConsent, PackState } from '../shared/core/schema/workflow-state.js';

/** What `governedJob` returns when every micro-task passed. */
export interface GovernedJobResult {
  readonly status: 'passed';
  readonly micro_tasks: readonly { readonly id: string; readonly iterations: number }[];
  readonly invocations: number;
  readonly swaps: number;
  readonly seat: Seat;
  readonly binding: PackBinding;
}

/** The one seat of a governed job (it may change role by a swap). */
const SEAT = 'job';

/** The job's position and counters, and the logic of one micro-task iteration. */
class GovernedJob {
  status: PackState['status'] = 'binding';
  microTaskIndex = 0;
  iteration = 0;
  completed: { id: string; iterations: number }[] = [];
  invocations = 0;
  readonly view: OperatorView;

  constructor(
    readonly input: GovernedJobParams,
    readonly seats: GovernedSeats,
    carried: CarriedState | undefined,
  ) {
    if (carried) {
      this.microTaskIndex = carried.micro_task_index;
      this.completed = [...carried.completed];
      this.invocations = carried.invocations;
      this.status = 'running';
    }
    this.view = installOperatorView(() => this.state());
    seats.onChange = () => this.view.refresh();
  }

  state(): PackState {
    const microTasks = this.seats.description?.micro_tasks ?? [];
    return this.seats.packState(SEAT, this.input.seat, {
      status: this.status,
      micro_task: microTasks[this.microTaskIndex]?.id ?? null,
      index: this.microTaskIndex,
      iteration: this.iteration,
      invocations: this.invocations,
    });
  }

  carry(): CarriedState {
    const { description, seats, ...rest } = this.seats.carry();
    const only = seats[0] as (typeof seats)[number];
    return {
      description,
      seat: only.seat,
      binding: only.binding,
      freshness: rest.freshness,
      micro_task_index: this.microTaskIndex,
      completed: this.completed,
      processed_request_ids: rest.processed_request_ids,
      swap_log: rest.swap_log,
      swaps_total: rest.swaps_total,
      invocations: this.invocations,
      cloud_consent: rest.cloud_consent ?? null,
    };
  }

  /** One invocation and verification, or why the iteration is to be redone (packs regenerated, seat escalated). */
  async iterate(taskId: string, feedback: string | undefined, regenerated: { at: number }): Promise<GovernedInvocation | 'regenerated' | 'escalated'> {
    const { seat, binding } = this.seats.get(SEAT);
    try {
      return await invokeGoverned(this.seats.activities, {
        workspace_id: this.input.workspace_id,
        seat,
        binding,
        micro_task: taskId,
        iteration: this.iteration,
        cloud_consent: this.seats.hasConsent(),
        feedback,
        escalate_on_provider_errors: this.seats.escalationErrors(SEAT),
        verify: true,
      });
    } catch (err) {
      const type = failureType(err);
      // A lost or corrupt artifact: rebuild the packs once (when the policy allows) and redo the iteration.
      if (type === 'ContextPackArtifactCorrupt' && this.input.freshness.regen_allowed && regenerated.at !== this.iteration) {
        regenerated.at = this.iteration;
        await this.seats.regenerate(SEAT);
        return 'regenerated';
      }
      // A provider failure the work profile escalates on: move up the ladder and redo the iteration.
      const kind = type?.startsWith('Provider:') ? type.slice('Provider:'.length) : undefined;
      if (kind === undefined || !this.seats.escalatesOn(SEAT, kind)) throw err;
      const requestId = `escalation:${wf.workflowInfo().workflowId}:${taskId}:${this.iteration}:provider-${kind}`;
      if (!(await this.seats.escalate(SEAT, requestId, `workflow:provider-${kind}`))) throw err;
      return 'escalated';
    }
  }

  /** Runs micro-task `taskId` to a pass, escalating after failed verifications; false when it never passes. */
  async runMicroTask(taskId: string): Promise<boolean> {
    let failuresOnRung = 0;
    let feedback: string | undefined;
    const regenerated = { at: 0 };
    for (this.iteration = 1; this.iteration <= this.seats.maxIterations(SEAT); this.iteration += 1) {
      // A swap in progress finishes before the next invocation: never invoke an unbound seat.
      await wf.condition(() => this.seats.swapInFlight === undefined);
      this.view.publish();
      const outcome = await this.iterate(taskId, feedback, regenerated);
      if (typeof outcome === 'string') {
        if (outcome === 'escalated') failuresOnRung = 0; // a fresh rung
        this.iteration -= 1;
        continue;
      }
      this.invocations += 1;
      const verdict = outcome.verification as NonNullable<typeof outcome.verification>;
      if (verdict.passed) {
        this.seats.lastDecision = `${taskId} passed at iteration ${this.iteration}`;
        this.completed.push({ id: taskId, iterations: this.iteration });
        return true;
      }
      feedback = verdict.feedback;
      failuresOnRung += 1;
      this.seats.lastDecision = `${taskId} failed verification (iteration ${this.iteration})`;
      if (failuresOnRung >= this.seats.escalateAfter(SEAT)) {
        const requestId = `escalation:${wf.workflowInfo().workflowId}:${taskId}:${this.iteration}`;
        if (await this.seats.escalate(SEAT, requestId, 'workflow')) failuresOnRung = 0;
      }
    }
    return false;
  }
}

/** The governed job: binds packs for one seat, iterates the work unit's micro-tasks, swaps or escalates through one path and keeps the operator view current. */
export async function governedJob(rawInput: GovernedJobInput, rawCarried?: CarriedState): Promise<GovernedJobResult> {
  const { GovernedJobInput, CarriedState } = loadedWorkflowSchemas() ?? (await loadWorkflowSchemas());
  const parsed = GovernedJobInput.safeParse(rawInput);
  if (!parsed.success) {
    throw wf.ApplicationFailure.nonRetryable(
      `invalid governed job input: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      'PackSchemaInvalid',
    );
  }
  const input = parsed.data;
  const carried = rawCarried === undefined ? undefined : CarriedState.parse(rawCarried);
  const seats = new GovernedSeats(
    input,
    carried && { ...carried, seats: [{ name: SEAT, seat: carried.seat, binding: carried.binding }] },
  );

  // --- message-handling API ------------------------------------------------------------------
  installSwapHandlers(seats);
  const job = new GovernedJob(input, seats, carried);

  // --- main workflow logic -------------------------------------------------------------------
  if (!carried) {
    await seats.describe();
    await seats.bind(SEAT, input.seat, { pinned_pack_hash: input.pinned_pack_hash });
    job.status = 'running';
  }
  job.view.publish();
  wf.upsertSearchAttributes([{ key: CtxPackJob, value: input.work_unit }]);

  const microTasks = seats.description?.micro_tasks ?? [];
  for (; job.microTaskIndex < microTasks.length; job.microTaskIndex += 1) {
    const task = microTasks[job.microTaskIndex] as { id: string };
    if (!(await job.runMicroTask(task.id))) {
      job.status = 'failed';
      job.view.publish();
      await wf.condition(wf.allHandlersFinished);
      throw wf.ApplicationFailure.nonRetryable(
        `micro-task ${task.id} did not pass verification in ${seats.maxIterations(SEAT)} iterations`,
        'MicroTaskExhausted',
      );
    }
    const runFull =
      wf.workflowInfo().continueAsNewSuggested || (input.micro_tasks_per_run !== undefined && job.completed.length % input.micro_tasks_per_run === 0);
    if (runFull && job.microTaskIndex + 1 < microTasks.length) {
      job.microTaskIndex += 1;
      await wf.condition(() => wf.allHandlersFinished() && seats.swapInFlight === undefined);
      await wf.continueAsNew<typeof governedJob>(rawInput, job.carry());
    }
  }

  job.status = 'passed';
  job.iteration = 0;
  job.view.publish();
  await wf.condition(wf.allHandlersFinished);
  const { seat, binding } = seats.get(SEAT);
  return { status: 'passed', micro_tasks: job.completed, invocations: job.invocations, swaps: seats.swapsTotal, seat, binding };
}
