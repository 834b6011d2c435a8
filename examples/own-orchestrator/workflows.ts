/**
 * A governed workflow of our own design: for each micro-task of the work unit, in order, a coder
 * writes the change and a validator reviews it, with the verification contract as the last word;
 * a failed review or verification sends the coder back with the findings, up to three tries.
 * No orchestrator model: this code is the orchestrator.
 *
 * It imports only `context-packs/workflow`, the package's workflow-safe entry.
 */
import * as wf from '@temporalio/workflow';
import {
  GovernedSeats,
  installOperatorView,
  installSwapHandlers,
  invokeGoverned,
  VerdictResult,
  type PackState,
  type Seat,
} from 'context-packs/workflow';

export interface ReviewLoopInput {
  readonly workspace_id: string;
  readonly work_unit: string;
  readonly coder: Seat;
  readonly reviewer: Seat;
}

export interface ReviewLoopResult {
  readonly passed: readonly { readonly micro_task: string; readonly tries: number }[];
  readonly findings_sent_back: number;
}

const TRIES = 3;

export async function reviewLoop(input: ReviewLoopInput): Promise<ReviewLoopResult> {
  const seats = new GovernedSeats({ workspace_id: input.workspace_id, work_unit: input.work_unit, freshness: { regen_allowed: true, regen_required: false }, cloud_consent: false });
  let status: PackState['status'] = 'binding';
  let active: 'coder' | 'reviewer' = 'coder';
  let position = { micro_task: null as string | null, index: 0, iteration: 0 };
  let invocations = 0;

  // --- message-handling API: swaps and consent, and the operator view (packState, memo, search attributes)
  installSwapHandlers(seats);
  const view = installOperatorView(() => seats.packState(active, input[active], { status, ...position, invocations, listSeats: true }));
  seats.onChange = () => view.refresh();

  // --- main workflow logic
  const { micro_tasks } = await seats.describe();
  await seats.bind('coder', input.coder);
  await seats.bind('reviewer', input.reviewer);
  status = 'running';
  view.publish();

  const passed: { micro_task: string; tries: number }[] = [];
  let sentBack = 0;
  for (const [index, task] of micro_tasks.entries()) {
    let feedback: string | undefined;
    let done = false;
    for (let iteration = 1; iteration <= TRIES && !done; iteration += 1) {
      position = { micro_task: task.id, index, iteration };
      active = 'coder';
      view.publish();
      const common = { workspace_id: input.workspace_id, micro_task: task.id, iteration, cloud_consent: false };
      await invokeGoverned(seats.activities, { ...common, ...seats.get('coder'), feedback });
      invocations += 1;
      active = 'reviewer';
      view.publish();
      const review = await invokeGoverned(seats.activities, { ...common, ...seats.get('reviewer'), verify: true }, VerdictResult);
      invocations += 1;
      done = review.result.verdict === 'pass' && review.verification?.passed === true;
      if (!done) {
        sentBack += 1;
        feedback = JSON.stringify({ findings: review.result.findings, verification: review.verification?.feedback ?? 'passed' });
      } else {
        passed.push({ micro_task: task.id, tries: iteration });
      }
    }
    if (!done) throw wf.ApplicationFailure.nonRetryable(`${task.id} did not pass in ${TRIES} tries`, 'MicroTaskExhausted');
  }
  status = 'passed';
  view.publish();
  await wf.condition(wf.allHandlersFinished);
  return { passed, findings_sent_back: sentBack };
}
