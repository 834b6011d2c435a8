/**
 * The multi-role job: three seats (orchestrator, coder, validator), each with its own role packs.
 * The orchestrator picks the next micro-task (its `plan` result), the coder implements it, the
 * validator reviews it (its `verdict` result: read-only lock set, its own rules) and the verification
 * contract runs; a failed review or verification sends the coder back with the findings as data, and
 * escalation climbs the coder's ladder. Swaps of any seat go through the same messages as
 * `governedJob` (`requestModelSwap` on the validator's role swaps the validator's model).
 *
 * Composed only from the workflow-side API users have too. Deterministic: no I/O, clock or crypto.
 */
import * as wf from '@temporalio/workflow';
import { CtxPackJob } from '../shared/core/search-attributes.js';
import type {
  MultiRoleCarried,
  MultiRoleJobInput,
  MultiRoleJobParams,
  PackState,
  RoleStepInput,
  SeatView,
  StepResultKind,
  VerdictResult,
} from '../shared/core/schema/workflow-state.js';
import { failureType } from './activities.js';
import { installSwapHandlers } from './messages.js';
import { installOperatorView, type OperatorView } from './operator-view.js';
import { governedRoleStep, runRoleStep, type RoleStepResult } from './role-step.js';
import { loadedWorkflowSchemas, loadWorkflowSchemas } from './schemas.js';
import { GovernedSeats } from './seats.js';

export type { MultiRoleJobInput } from '../shared/core/schema/workflow-state.js';

/** What `multiRoleJob` returns when every micro-task passed review and verification. */
export interface MultiRoleJobResult {
  readonly status: 'passed';
  readonly micro_tasks: readonly { readonly id: string; readonly iterations: number }[];
  readonly invocations: number;
  readonly swaps: number;
  /** Reviews the validator failed (each sent the coder back). */
  readonly reviews_failed: number;
  readonly seats: readonly SeatView[];
}

type SeatName = 'orchestrator' | 'coder' | 'validator';
const SEATS: readonly SeatName[] = ['orchestrator', 'coder', 'validator'];

class MultiRoleJob {
  status: PackState['status'] = 'binding';
  current: string | null = null;
  iteration = 0;
  completed: { id: string; iterations: number }[] = [];
  invocations = 0;
  reviewsFailed = 0;
  readonly view: OperatorView;

  constructor(
    readonly input: MultiRoleJobParams,
    readonly seats: GovernedSeats,
    carried: MultiRoleCarried | undefined,
  ) {
    if (carried) {
      this.completed = [...carried.completed];
      this.invocations = carried.invocations;
      this.reviewsFailed = carried.reviews_failed;
      this.status = 'running';
    }
    this.view = installOperatorView(() => this.state());
    seats.onChange = () => this.view.refresh();
  }

  /**
   * The coder is the job's primary seat in the operator view (search attributes, memo `seat`): the
   * seat at work changes every step, and an upsert per step would be two history events each time.
   * Every seat is listed in `seats`.
   */
  state(): PackState {
    return this.seats.packState('coder', this.input.seats.coder, {
      status: this.status,
      micro_task: this.current,
      index: this.completed.length,
      iteration: this.iteration,
      invocations: this.invocations,
      listSeats: true,
    });
  }

  pending(): string[] {
    const done = new Set(this.completed.map((c) => c.id));
    return (this.seats.description?.micro_tasks ?? []).map((t) => t.id).filter((id) => !done.has(id));
  }

  /**
   * One role step of seat `name`, inline or as a child workflow; a provider failure the seat's work
   * profile escalates on moves that seat up its ladder and runs the step again.
   */
  async step(name: SeatName, microTask: string, iteration: number, options: { feedback?: string; verify: boolean; result: StepResultKind }): Promise<RoleStepResult> {
    for (let attempt = 1; ; attempt += 1) {
      await wf.condition(() => this.seats.swapInFlight === undefined);
      this.view.publish();
      const { seat, binding } = this.seats.get(name);
      const input: RoleStepInput = {
        workspace_id: this.input.workspace_id,
        ...(this.input.workspace_task_queue !== undefined ? { workspace_task_queue: this.input.workspace_task_queue } : {}),
        seat,
        binding,
        micro_task: microTask,
        iteration,
        cloud_consent: this.seats.hasConsent(),
        ...(options.feedback !== undefined ? { feedback: options.feedback } : {}),
        escalate_on_provider_errors: this.seats.escalationErrors(name),
        verify: options.verify,
        result: options.result,
      };
      try {
        const result =
          this.input.steps === 'child'
            ? await wf.executeChild(governedRoleStep, {
                workflowId: `${wf.workflowInfo().workflowId}.step-${this.invocations + 1}.${attempt}.${name}`,
                args: [input],
                staticSummary: `${name}: ${seat.model} as ${seat.role} on ${microTask} (iteration ${iteration})`,
              })
            : await runRoleStep(this.seats.activities, input);
        this.invocations += 1;
        return result;
      } catch (err) {
        const type = failureType(err);
        const kind = type?.startsWith('Provider:') ? type.slice('Provider:'.length) : undefined;
        if (kind === undefined || !this.seats.escalatesOn(name, kind)) throw err;
        const requestId = `escalation:${wf.workflowInfo().workflowId}:${name}:${microTask}:${iteration}:provider-${kind}`;
        if (!(await this.seats.escalate(name, requestId, `workflow:provider-${kind}`))) throw err;
      }
    }
  }

  /** The orchestrator's choice among the pending micro-tasks: the first it names, else the first pending. */
  async pick(pending: readonly string[]): Promise<string> {
    const fallback = pending[0] as string;
    const { plan } = await this.step('orchestrator', fallback, 1, { verify: false, result: 'plan' });
    const chosen = plan?.next_micro_tasks.find((id) => pending.includes(id));
    this.seats.lastDecision = chosen ? `orchestrator picked ${chosen}` : `orchestrator named no pending micro-task; taking ${fallback} in order`;
    return chosen ?? fallback;
  }

  /** Coder, then validator and verification, until both pass; false when the coder's iterations run out. */
  async implement(task: string): Promise<boolean> {
    let feedback: string | undefined;
    let failuresOnRung = 0;
    for (this.iteration = 1; this.iteration <= this.seats.maxIterations('coder'); this.iteration += 1) {
      await this.step('coder', task, this.iteration, { ...(feedback !== undefined ? { feedback } : {}), verify: false, result: 'none' });
      const review = await this.step('validator', task, this.iteration, { verify: true, result: 'verdict' });
      const verdict = review.verdict as VerdictResult;
      const verified = review.verification?.passed === true;
      if (verdict.verdict === 'pass' && verified) {
        this.completed.push({ id: task, iterations: this.iteration });
        this.seats.lastDecision = `${task} passed review and verification at iteration ${this.iteration}`;
        return true;
      }
      if (verdict.verdict === 'fail') this.reviewsFailed += 1;
      // The findings go back to the coder as data (a JSON block in the feedback), never as instructions.
      feedback = JSON.stringify({
        review: { verdict: verdict.verdict, findings: verdict.findings },
        verification: verified ? 'passed' : (review.verification?.feedback ?? 'failed'),
      });
      this.seats.lastDecision = `${task} ${verdict.verdict === 'fail' ? 'failed review' : 'failed verification'} (iteration ${this.iteration})`;
      failuresOnRung += 1;
      if (failuresOnRung >= this.seats.escalateAfter('coder')) {
        const requestId = `escalation:${wf.workflowInfo().workflowId}:coder:${task}:${this.iteration}`;
        if (await this.seats.escalate('coder', requestId, 'workflow')) failuresOnRung = 0;
      }
    }
    return false;
  }

  carry(): MultiRoleCarried {
    return { seats: this.seats.carry(), completed: this.completed, invocations: this.invocations, reviews_failed: this.reviewsFailed };
  }
}

/** The multi-role job (see the module header). `carried` is for continue-as-new only. */
export async function multiRoleJob(rawInput: MultiRoleJobInput, rawCarried?: MultiRoleCarried): Promise<MultiRoleJobResult> {
  const { MultiRoleJobInput, MultiRoleCarried } = loadedWorkflowSchemas() ?? (await loadWorkflowSchemas());
  const parsed = MultiRoleJobInput.safeParse(rawInput);
  if (!parsed.success) {
    throw wf.ApplicationFailure.nonRetryable(
      `invalid multi-role job input: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      'PackSchemaInvalid',
    );
  }
  const input = parsed.data;
  const carried = rawCarried === undefined ? undefined : MultiRoleCarried.parse(rawCarried);
  const seats = new GovernedSeats(input, carried?.seats);

  // --- message-handling API ------------------------------------------------------------------
  installSwapHandlers(seats);
  const job = new MultiRoleJob(input, seats, carried);

  // --- main workflow logic -------------------------------------------------------------------
  if (!carried) {
    await seats.describe();
    for (const name of SEATS) await seats.bind(name, input.seats[name]);
    job.status = 'running';
  }
  job.view.publish();
  wf.upsertSearchAttributes([{ key: CtxPackJob, value: input.work_unit }]);

  for (let pending = job.pending(); pending.length > 0; pending = job.pending()) {
    job.iteration = 0;
    job.current = await job.pick(pending);
    if (!(await job.implement(job.current))) {
      job.status = 'failed';
      job.view.publish();
      await wf.condition(wf.allHandlersFinished);
      throw wf.ApplicationFailure.nonRetryable(
        `micro-task ${job.current} did not pass review and verification in ${seats.maxIterations('coder')} iterations`,
        'MicroTaskExhausted',
      );
    }
    const runFull =
      wf.workflowInfo().continueAsNewSuggested || (input.micro_tasks_per_run !== undefined && job.completed.length % input.micro_tasks_per_run === 0);
    if (runFull && job.pending().length > 0) {
      await wf.condition(() => wf.allHandlersFinished() && seats.swapInFlight === undefined);
      await wf.continueAsNew<typeof multiRoleJob>(rawInput, job.carry());
    }
  }

  job.status = 'passed';
  job.current = null;
  job.iteration = 0;
  job.view.publish();
  await wf.condition(wf.allHandlersFinished);
  return { status: 'passed', micro_tasks: job.completed, invocations: job.invocations, swaps: seats.swapsTotal, reviews_failed: job.reviewsFailed, seats: seats.views() };
}
