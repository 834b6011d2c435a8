/**
 * The governed job: bind context packs at job start, iterate micro-tasks (invoke, verify, decide),
 * swap or escalate models through one path that records both pack hashes, and keep operators'
 * views (memo, search attributes, current details) up to date.
 *
 * Deterministic: no I/O, clock or crypto here. Packs are built, hashed and stored by activities, and
 * history holds only their hashes and store refs.
 */
import * as wf from '@temporalio/workflow';
import type { GovernedJobActivities, InvokeModelResult, VerifyResult } from '../activities/types.js';
import { NON_RETRYABLE_TYPES } from '../shared/core/failures.js';
import { CtxPackCloud, CtxPackHash, CtxPackJob, CtxPackModel, CtxPackProvider, CtxPackRole } from '../shared/core/search-attributes.js';
import {
  GovernedJobInput,
  SwapRequest,
  type GovernedJobParams,
  type PackBinding,
  type Seat,
  type SwapLogEntry,
  type SwapResult,
  type WorkspaceDescription,
} from '../shared/core/schema/governed-job.js';
import type { FreshnessDecision } from '../shared/core/schema/freshness.js';
import { locationOf, nextRung, swapProblem, type SwapContext } from './swap-rules.js';

// ---------------------------------------------------------------------------------------------
// Messages. Clients import these constants, never the strings.

/**
 * Swap the model (and possibly the role) of the running job. An Update rather than only a Signal,
 * because the caller wants the requested and effective pack hashes back, and a validator can refuse
 * a bad request without writing anything to history.
 */
export const requestModelSwap = wf.defineUpdate<SwapResult, [SwapRequest]>('requestModelSwap');
/** Fire-and-forget swap for callers that cannot wait; same code path, refusals go to the swap log. */
export const modelSwap = wf.defineSignal<[SwapRequest]>('modelSwap');
/**
 * Record consent to send (projected) context to cloud providers for this job (RT-LEAK-001). An
 * Update, so the caller knows consent is in force before it asks for a cloud swap.
 */
export const grantCloudConsent = wf.defineUpdate<CloudConsent, [{ granted_by: string; note?: string }]>('grantCloudConsent');

export interface CloudConsent {
  readonly granted_by: string;
  readonly at: string;
  readonly note?: string;
}

/** The operator view: seat, packs, position, markers, swap log. */
export const packState = wf.defineQuery<PackState>('packState');
/** The same view, read after every handler already admitted has finished (a consistent read). */
export const readPackState = wf.defineUpdate<PackState>('readPackState');

export interface PackState {
  readonly status: 'binding' | 'running' | 'passed' | 'failed';
  readonly workspace_id: string;
  readonly job_id: string | null;
  readonly seat: Seat;
  readonly location: 'local' | 'cloud';
  readonly cloud_tier: string | null;
  readonly cloud_consent: boolean;
  readonly cloud_consent_record: CloudConsent | null;
  readonly binding: PackBinding | null;
  readonly position: { readonly micro_task: string | null; readonly index: number; readonly of: number; readonly iteration: number };
  readonly freshness: FreshnessDecision | null;
  readonly last_decision: string | null;
  readonly invocations: number;
  readonly swaps_total: number;
  readonly swap_log: readonly SwapLogEntry[];
}

export interface GovernedJobResult {
  readonly status: 'passed';
  readonly micro_tasks: readonly { readonly id: string; readonly iterations: number }[];
  readonly invocations: number;
  readonly swaps: number;
  readonly seat: Seat;
  readonly binding: PackBinding;
}

/** State carried into the next run by continue-as-new (Update-id dedupe does not survive it). */
export interface CarriedState {
  readonly description: WorkspaceDescription;
  readonly seat: Seat;
  readonly binding: PackBinding;
  readonly freshness: FreshnessDecision | null;
  readonly micro_task_index: number;
  readonly completed: readonly { readonly id: string; readonly iterations: number }[];
  readonly processed_request_ids: readonly string[];
  readonly swap_log: readonly SwapLogEntry[];
  readonly swaps_total: number;
  readonly invocations: number;
  readonly cloud_consent?: CloudConsent | null;
}

/** Swap log entries kept in state, memo and continue-as-new; older ones remain in history. */
const SWAP_LOG_KEEP = 20;

// From the failure catalogue: retrying cannot change these outcomes. A store outage or a provider's
// failure is left to the failure's own flag: a timeout or 5xx is retried with backoff, a missing
// bucket or bad credentials are not (activities/failures.ts).
const NON_RETRYABLE = [...NON_RETRYABLE_TYPES];

// Activities heartbeat every 2 s (activities/failures.ts): a worker that dies mid-activity is noticed
// after the heartbeat timeout and the activity retried on another worker.
// Retryable failures (a worker lost, a store or provider outage) back off 1 s, 2 s, 4 s... up to 30 s:
// about four minutes in all before the job gives up.
const RETRY = { maximumAttempts: 10, maximumInterval: '30 seconds', nonRetryableErrorTypes: NON_RETRYABLE } satisfies wf.RetryPolicy;
const WORKSPACE_SIDE = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '10 seconds',
  retry: RETRY,
} satisfies wf.ActivityOptions;
const MODEL_SIDE = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '10 seconds',
  retry: RETRY,
} satisfies wf.ActivityOptions;

/**
 * Workspace activities go to the workspace's queue when the job names one (workspace-affine
 * routing); model calls always run on the workflow's own queue, where any worker can take them.
 */
function activitiesFor(input: GovernedJobParams) {
  const queue = input.workspace_task_queue;
  return {
    workspace: wf.proxyActivities<GovernedJobActivities>({ ...WORKSPACE_SIDE, ...(queue !== undefined ? { taskQueue: queue } : {}) }),
    model: wf.proxyActivities<GovernedJobActivities>(MODEL_SIDE),
  };
}
type JobActivities = ReturnType<typeof activitiesFor>;

// ---------------------------------------------------------------------------------------------

/** The job's mutable state and the logic the handlers and the main loop share. */
class GovernedJob {
  status: PackState['status'] = 'binding';
  description: WorkspaceDescription | undefined;
  seat: Seat;
  binding: PackBinding | undefined;
  freshness: FreshnessDecision | null = null;
  microTaskIndex = 0;
  iteration = 0;
  completed: { id: string; iterations: number }[] = [];
  processed = new Set<string>();
  swapInFlight: string | undefined;
  swapLog: SwapLogEntry[] = [];
  swapsTotal = 0;
  invocations = 0;
  lastDecision: string | null = null;
  consent: CloudConsent | null = null;
  /** What the last search-attribute and memo upserts said (see publish). */
  private lastPublished: string | undefined;

  constructor(
    readonly input: GovernedJobParams,
    carried: CarriedState | undefined,
    readonly activities: JobActivities,
  ) {
    this.seat = input.seat;
    if (carried) {
      this.description = carried.description;
      this.seat = carried.seat;
      this.binding = carried.binding;
      this.freshness = carried.freshness;
      this.microTaskIndex = carried.micro_task_index;
      this.completed = [...carried.completed];
      this.processed = new Set(carried.processed_request_ids);
      this.swapLog = [...carried.swap_log];
      this.swapsTotal = carried.swaps_total;
      this.invocations = carried.invocations;
      this.consent = carried.cloud_consent ?? null;
      this.status = 'running';
    }
  }

  private context(): SwapContext {
    if (!this.description) throw new Error('the workspace is not described yet');
    return {
      description: this.description,
      cloudConsent: this.hasConsent(),
      processedRequestIds: this.processed,
      swapInFlight: this.swapInFlight,
    };
  }

  hasConsent(): boolean {
    return this.input.cloud_consent || this.consent !== null;
  }

  grantConsent(request: { granted_by: string; note?: string }): CloudConsent {
    this.consent ??= { granted_by: request.granted_by, at: workflowTime(), ...(request.note ? { note: request.note } : {}) };
    this.publish();
    return this.consent;
  }

  /** Update validator: throwing here rejects the Update with nothing written to history. */
  validateSwap(raw: unknown): void {
    const parsed = SwapRequest.safeParse(raw);
    if (!parsed.success) {
      throw new Error(`invalid swap request: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    }
    if (!this.description || !this.binding) throw new Error('the job is still binding its first packs; retry shortly');
    const problem = swapProblem(parsed.data, this.context());
    if (problem) throw new Error(problem);
  }

  /** The one swap path: Update, Signal and the workflow's own escalations all come through here. */
  async swap(request: SwapRequest, via: SwapLogEntry['via']): Promise<SwapResult> {
    const from = this.seat;
    const to: Seat = { role: request.target_role, model: request.model, provider: request.provider };
    const current = this.binding;
    if (!current) throw wf.ApplicationFailure.nonRetryable('no packs are bound yet', 'SwapRefused');
    this.swapInFlight = request.request_id;
    const entry = { at: workflowTime(), request_id: request.request_id, via, reason: request.reason, requester: request.requester, from, to };
    try {
      const { binding, result } = await this.activities.workspace.swapPacks.executeWithOptions(
        { summary: `${request.reason} to ${to.role} ${to.model}@${to.provider}` },
        [{ workspace_id: this.input.workspace_id, work_unit: this.input.work_unit, request, current, freshness: this.input.freshness }],
      );
      this.binding = binding;
      this.seat = to;
      this.swapsTotal += 1;
      this.lastDecision = `${request.reason}: ${result.decision}`;
      this.log({
        ...entry,
        outcome: result.decision,
        requested_pack_hash: result.requested_pack_hash,
        effective_pack_hash: result.effective_pack_hash,
        ...(result.rebuild_reasons.length > 0 ? { rebuild_reasons: result.rebuild_reasons } : {}),
      });
      this.publish();
      return result;
    } catch (err) {
      // The seat and packs in force stay bound: no invocation happens on an unbound target.
      this.log({
        ...entry,
        outcome: 'rejected',
        error: failureText(err),
      });
      this.publish();
      throw err;
    } finally {
      this.processed.add(request.request_id);
      this.swapInFlight = undefined;
    }
  }

  /**
   * Signals cannot answer, so a refused or failed signal swap is recorded in the swap log instead.
   * Unlike Updates (refused while another swap runs, so the caller retries knowingly), a Signal waits
   * for the swap in flight and is then checked and applied in arrival order.
   */
  async swapFromSignal(raw: unknown): Promise<void> {
    const parsed = SwapRequest.safeParse(raw);
    if (!parsed.success) {
      this.logRefusal(undefined, `invalid swap request: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
      return;
    }
    const request = parsed.data;
    const free = () => this.binding !== undefined && this.swapInFlight === undefined;
    // Re-check after waking: another queued signal may have started its swap in the same activation.
    while (!free()) await wf.condition(free);
    if (this.processed.has(request.request_id)) return; // a duplicate: applied (or refused) once already
    const problem = swapProblem(request, this.context());
    if (problem) {
      this.processed.add(request.request_id);
      this.logRefusal(request, problem);
      return;
    }
    try {
      await this.swap(request, 'signal');
    } catch {
      // Already in the swap log; a signal has no caller to tell.
    }
  }

  private logRefusal(request: SwapRequest | undefined, error: string): void {
    this.log({
      at: workflowTime(),
      request_id: request?.request_id ?? '(invalid)',
      via: 'signal',
      reason: request?.reason ?? 'swap',
      requester: request?.requester ?? '(unknown)',
      from: this.seat,
      to: request ? { role: request.target_role, model: request.model, provider: request.provider } : this.seat,
      outcome: 'rejected',
      error,
    });
    this.publish();
  }

  private log(entry: SwapLogEntry): void {
    this.swapLog.push(entry);
    if (this.swapLog.length > SWAP_LOG_KEEP) this.swapLog.splice(0, this.swapLog.length - SWAP_LOG_KEEP);
  }

  state(): PackState {
    const microTasks = this.description?.micro_tasks ?? [];
    const provider = this.description?.providers.find((p) => p.id === this.seat.provider);
    return {
      status: this.status,
      workspace_id: this.input.workspace_id,
      job_id: null,
      seat: this.seat,
      location: this.description ? locationOf(this.description, this.seat.provider) : 'local',
      cloud_tier: provider?.cloud_tier ?? null,
      cloud_consent: this.hasConsent(),
      cloud_consent_record: this.consent,
      binding: this.binding ?? null,
      position: {
        micro_task: microTasks[this.microTaskIndex]?.id ?? null,
        index: this.microTaskIndex,
        of: microTasks.length,
        iteration: this.iteration,
      },
      freshness: this.freshness,
      last_decision: this.lastDecision,
      invocations: this.invocations,
      swaps_total: this.swapsTotal,
      swap_log: this.swapLog,
    };
  }

  /** Keeps the Web UI's list columns, memo and current details in step with the state. */
  publish(): void {
    if (!this.binding || !this.description) return;
    const location = locationOf(this.description, this.seat.provider);
    const attributes = [
      { key: CtxPackRole, value: this.seat.role },
      { key: CtxPackModel, value: this.seat.model },
      { key: CtxPackProvider, value: this.seat.provider },
      { key: CtxPackHash, value: this.binding.work_unit_pack_hash },
      { key: CtxPackCloud, value: location === 'cloud' },
    ] as const;
    const memo = {
      ctxpack: {
        seat: this.seat,
        location,
        role_pack_hash: this.binding.role_pack_hash,
        work_unit_pack_hash: this.binding.work_unit_pack_hash,
        freshness_markers: this.binding.freshness_markers,
        cloud_consent: this.consent ?? (this.input.cloud_consent ? 'granted at start' : null),
        swaps_total: this.swapsTotal,
        swap_log: this.swapLog.map((e) => ({
          at: e.at,
          request_id: e.request_id,
          reason: e.reason,
          outcome: e.outcome,
          to: `${e.to.role} ${e.to.model}@${e.to.provider}`,
          requested: e.requested_pack_hash ?? null,
          effective: e.effective_pack_hash ?? null,
          ...(e.rebuild_reasons ? { reasons: e.rebuild_reasons } : {}),
        })),
      },
    };
    // Each upsert is a history event: write them only when what they say changed (a swap, a new
    // binding), not on every iteration. Current details below are not history and stay live.
    const published = JSON.stringify({ attributes, memo });
    if (published !== this.lastPublished) {
      this.lastPublished = published;
      wf.upsertSearchAttributes([...attributes]);
      wf.upsertMemo(memo);
    }
    const task = this.description.micro_tasks[this.microTaskIndex];
    const of = this.description.micro_tasks.length;
    const position = task ? `micro-task ${task.id} (${this.microTaskIndex + 1}/${of}), iteration ${this.iteration}` : `all ${of} micro-tasks done`;
    // Markdown: the Web UI renders current details on the workflow's User Metadata tab.
    wf.setCurrentDetails(
      [
        `**${this.status}** · ${position}`,
        '',
        `- role **${this.seat.role}** ${this.binding.role_version} (${this.binding.governance_mode})`,
        `- model **${this.seat.model}** @ ${this.seat.provider} (${location})`,
        `- pack \`${this.binding.work_unit_pack_hash}\``,
        `- role pack \`${this.binding.role_pack_hash}\``,
        // Globs in code spans: `src/**` would otherwise render as bold.
        `- lock write: ${codeList(this.binding.lock_set.write)}; deny: ${codeList(this.binding.lock_set.deny)}`,
        `- last decision: ${this.lastDecision ?? '-'}`,
      ].join('\n'),
    );
  }

  carry(): CarriedState {
    if (!this.description || !this.binding) throw new Error('nothing bound to carry');
    return {
      description: this.description,
      seat: this.seat,
      binding: this.binding,
      freshness: this.freshness,
      micro_task_index: this.microTaskIndex,
      completed: this.completed,
      processed_request_ids: [...this.processed],
      swap_log: this.swapLog,
      swaps_total: this.swapsTotal,
      invocations: this.invocations,
      cloud_consent: this.consent,
    };
  }

  /** Rebuilds and binds the current seat's packs after the bound artifact was lost or damaged. */
  async regenerate(): Promise<void> {
    const old = this.binding?.work_unit_pack_hash ?? '';
    const rebound = await this.activities.workspace.bindPacks.executeWithOptions(
      { summary: `regenerate ${this.seat.role} packs after a lost or corrupt artifact` },
      [
        {
          workspace_id: this.input.workspace_id,
          work_unit: this.input.work_unit,
          role: this.seat.role,
          model: { model: this.seat.model, provider: this.seat.provider },
          freshness: this.input.freshness,
        },
      ],
    );
    this.binding = { ...rebound.binding, freshness_markers: [...rebound.binding.freshness_markers, `regenerated_after_corruption:${old}`] };
    this.lastDecision = 'regenerated packs after a lost or corrupt artifact';
    this.publish();
  }

  maxIterations(): number {
    return this.description?.roles.find((r) => r.role_id === this.seat.role)?.max_iterations ?? 1;
  }

  /** Provider error classes the current role escalates on (only with a rung left to escalate to). */
  escalationErrors(): string[] {
    if (!this.nextRung()) return [];
    return this.description?.roles.find((r) => r.role_id === this.seat.role)?.escalate_on_provider_errors ?? [];
  }

  escalatesOn(providerErrorKind: string): boolean {
    const role = this.description?.roles.find((r) => r.role_id === this.seat.role);
    return role?.escalate_on_provider_errors?.includes(providerErrorKind) ?? false;
  }

  escalateAfter(): number {
    return this.description?.roles.find((r) => r.role_id === this.seat.role)?.escalate_after_failures ?? 1;
  }

  nextRung(): { model: string; provider: string } | undefined {
    return nextRung(this.seat, this.context());
  }
}

function codeList(values: readonly string[]): string {
  return values.length > 0 ? values.map((v) => `\`${v}\``).join(', ') : '(none)';
}

/**
 * Inside the workflow sandbox `Date` is Temporal's deterministic workflow time (the time of the
 * current workflow task), replayed identically; it is not the host clock.
 */
function workflowTime(): string {
  return new Date().toISOString();
}

/** The ApplicationFailure type behind an activity failure, if any. */
function failureType(err: unknown): string | undefined {
  const cause = err instanceof wf.ActivityFailure ? err.cause : err;
  return cause instanceof wf.ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

function failureText(err: unknown): string {
  if (err instanceof wf.ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

// ---------------------------------------------------------------------------------------------

export async function governedJob(rawInput: GovernedJobInput, carried?: CarriedState): Promise<GovernedJobResult> {
  const parsed = GovernedJobInput.safeParse(rawInput);
  if (!parsed.success) {
    throw wf.ApplicationFailure.nonRetryable(
      `invalid governed job input: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      'PackSchemaInvalid',
    );
  }
  const input = parsed.data;
  const activities = activitiesFor(input);
  const job = new GovernedJob(input, carried, activities);

  // --- message-handling API ------------------------------------------------------------------
  wf.setHandler(requestModelSwap, (request) => job.swap(request, 'update'), {
    validator: (request) => job.validateSwap(request),
  });
  wf.setHandler(modelSwap, (request) => job.swapFromSignal(request));
  wf.setHandler(grantCloudConsent, (request) => job.grantConsent(request), {
    validator: (request) => {
      if (typeof request?.granted_by !== 'string' || request.granted_by.trim() === '') {
        throw new Error('granted_by must name who grants cloud consent');
      }
    },
  });
  wf.setHandler(packState, () => job.state());
  wf.setHandler(readPackState, () => job.state());

  // --- main workflow logic -------------------------------------------------------------------
  if (!carried) {
    job.description = await activities.workspace.describeWorkspace.executeWithOptions(
      { summary: `describe workspace ${input.workspace_id}` },
      [{ workspace_id: input.workspace_id, work_unit: input.work_unit }],
    );
    const startProblem = swapProblem(
      { request_id: 'job-start', target_role: input.seat.role, model: input.seat.model, provider: input.seat.provider, reason: 'swap', requester: 'job-start' },
      { description: job.description, cloudConsent: input.cloud_consent, processedRequestIds: new Set(), swapInFlight: undefined },
    );
    if (startProblem) throw wf.ApplicationFailure.nonRetryable(`cannot start the job: ${startProblem}`, 'SwapRefused');
    // Token-budget trigger: a model whose context window cannot hold the pack hands the job to the
    // next rung of the ladder before anything is invoked.
    let bound;
    for (;;) {
      try {
        bound = await activities.workspace.bindPacks.executeWithOptions({ summary: `assemble ${job.seat.role} packs for ${job.seat.model}` }, [
          {
            workspace_id: input.workspace_id,
            work_unit: input.work_unit,
            role: job.seat.role,
            model: { model: job.seat.model, provider: job.seat.provider },
            freshness: input.freshness,
            ...(input.pinned_pack_hash ? { pinned_pack_hash: input.pinned_pack_hash } : {}),
          },
        ]);
        break;
      } catch (err) {
        const rung = failureType(err) === 'PackBudgetExceeded' ? job.nextRung() : undefined;
        if (!rung) throw err;
        job.lastDecision = `${job.seat.model} cannot hold the pack; escalating to ${rung.model}@${rung.provider}`;
        job.seat = { role: job.seat.role, model: rung.model, provider: rung.provider };
      }
    }
    job.binding = bound.binding;
    job.freshness = bound.freshness;
    job.lastDecision = `bound (${bound.freshness.decision})`;
    job.status = 'running';
  }
  job.publish();

  const description = job.description as WorkspaceDescription;
  wf.upsertSearchAttributes([{ key: CtxPackJob, value: input.work_unit }]);

  for (; job.microTaskIndex < description.micro_tasks.length; job.microTaskIndex += 1) {
    const task = description.micro_tasks[job.microTaskIndex] as { id: string };
    let passed = false;
    let failuresOnRung = 0;
    let feedback: string | undefined;
    let regeneratedAt = 0;
    for (job.iteration = 1; job.iteration <= job.maxIterations(); job.iteration += 1) {
      // A swap in progress finishes before the next invocation: never invoke an unbound seat.
      await wf.condition(() => job.swapInFlight === undefined);
      job.publish();
      let invocation: InvokeModelResult;
      let verdict: VerifyResult;
      try {
        const binding = job.binding as PackBinding;
        const seat = job.seat;
        const prepared = await activities.workspace.prepareInvocation.executeWithOptions(
          { summary: `check ${seat.role} on ${seat.model} against ${binding.work_unit_pack_hash.slice(0, 19)}…` },
          [{ workspace_id: input.workspace_id, seat, binding, cloud_consent: job.hasConsent() }],
        );
        invocation = await activities.model.invokeModel.executeWithOptions(
          { summary: `invoke ${seat.model} as ${seat.role} with ${binding.work_unit_pack_hash.slice(0, 19)}…` },
          [
            {
              workspace_id: input.workspace_id,
              provider_snapshot_hash: prepared.provider_snapshot_hash,
              workflow_id: wf.workflowInfo().workflowId,
              run_id: wf.workflowInfo().runId,
              micro_task: task.id,
              iteration: job.iteration,
              seat,
              binding,
              cloud_consent: job.hasConsent(),
              ...(feedback !== undefined ? { feedback } : {}),
              ...(job.escalationErrors().length > 0 ? { escalate_on_provider_errors: job.escalationErrors() } : {}),
            },
          ],
        );
        // Only an answer with a tool call the pack allows has anything to apply.
        if (invocation.tool_calls.some((call) => call.allowed)) {
          await activities.workspace.applyToolCalls.executeWithOptions(
            { summary: `apply ${invocation.tool_calls.filter((c) => c.allowed).length} tool call(s) of ${seat.model}` },
            [{ workspace_id: input.workspace_id, role_pack_hash: binding.role_pack_hash, response_hash: invocation.response_hash }],
          );
        }
        verdict = await activities.workspace.verifyMicroTask.executeWithOptions(
          { summary: `verify ${task.id} (iteration ${job.iteration})` },
          [{ workspace_id: input.workspace_id, work_unit_pack_hash: invocation.identity.work_unit_pack_hash, micro_task: task.id }],
        );
      } catch (err) {
        const type = failureType(err);
        // A lost or corrupt artifact: rebuild the packs once (when the policy allows) and redo the iteration.
        if (type === 'ContextPackArtifactCorrupt' && input.freshness.regen_allowed && regeneratedAt !== job.iteration) {
          regeneratedAt = job.iteration;
          await job.regenerate();
          job.iteration -= 1;
          continue;
        }
        // A provider failure the work profile escalates on: move up the ladder and redo the iteration.
        const kind = type?.startsWith('Provider:') ? type.slice('Provider:'.length) : undefined;
        const rung = kind !== undefined && job.escalatesOn(kind) ? job.nextRung() : undefined;
        if (!rung) throw err;
        await wf.condition(() => job.swapInFlight === undefined);
        await job.swap(
          {
            request_id: `escalation:${wf.workflowInfo().workflowId}:${task.id}:${job.iteration}:provider-${kind}`,
            target_role: job.seat.role,
            model: rung.model,
            provider: rung.provider,
            reason: 'escalation',
            requester: `workflow:provider-${kind}`,
          },
          'workflow',
        );
        failuresOnRung = 0;
        job.iteration -= 1;
        continue;
      }
      job.invocations += 1;
      if (verdict.passed) {
        passed = true;
        job.lastDecision = `${task.id} passed at iteration ${job.iteration}`;
        job.completed.push({ id: task.id, iterations: job.iteration });
        break;
      }
      feedback = verdict.feedback;
      failuresOnRung += 1;
      job.lastDecision = `${task.id} failed verification (iteration ${job.iteration})`;
      if (failuresOnRung >= job.escalateAfter()) {
        const rung = job.nextRung();
        if (rung) {
          await wf.condition(() => job.swapInFlight === undefined);
          await job.swap(
            {
              request_id: `escalation:${wf.workflowInfo().workflowId}:${task.id}:${job.iteration}`,
              target_role: job.seat.role,
              model: rung.model,
              provider: rung.provider,
              reason: 'escalation',
              requester: 'workflow',
            },
            'workflow',
          );
          failuresOnRung = 0;
        }
      }
    }
    if (!passed) {
      job.status = 'failed';
      job.publish();
      await wf.condition(wf.allHandlersFinished);
      throw wf.ApplicationFailure.nonRetryable(
        `micro-task ${task.id} did not pass verification in ${job.maxIterations()} iterations`,
        'MicroTaskExhausted',
      );
    }
    const runFull =
      wf.workflowInfo().continueAsNewSuggested ||
      (input.micro_tasks_per_run !== undefined && job.completed.length % input.micro_tasks_per_run === 0);
    if (runFull && job.microTaskIndex + 1 < description.micro_tasks.length) {
      job.microTaskIndex += 1;
      await wf.condition(() => wf.allHandlersFinished() && job.swapInFlight === undefined);
      await wf.continueAsNew<typeof governedJob>(rawInput, job.carry());
    }
  }

  job.status = 'passed';
  job.iteration = 0;
  job.publish();
  await wf.condition(wf.allHandlersFinished);
  return {
    status: 'passed',
    micro_tasks: job.completed,
    invocations: job.invocations,
    swaps: job.swapsTotal,
    seat: job.seat,
    binding: job.binding as PackBinding,
  };
}
