/**
 * The seats of a governed workflow and the one path that changes them. A seat is a named place for a
 * role, model and provider (`coder`, `validator`...), with the packs bound to it. Binding, the swap
 * path (Update, Signal and the workflow's own escalations: rebuild or reuse, requested and effective
 * hashes, the same validators), escalation up a role's ladder and cloud consent live here, so every
 * governed workflow, the library's and its users', records the same things the same way.
 *
 * Deterministic: only activities, workflow time and conditions.
 */
import * as wf from '@temporalio/workflow';
import type { BindPacksResult } from '../shared/core/schema/activities.js';
import type { FreshnessDecision, FreshnessPolicy } from '../shared/core/schema/freshness.js';
import type { PackBinding, Seat, SwapLogEntry, SwapRequest, SwapResult, WorkspaceDescription } from '../shared/core/schema/governed-job.js';
import type { CarriedSeats, CloudConsent, CloudConsentRequest, PackState, SeatView } from '../shared/core/schema/workflow-state.js';
import { failureText, failureType, governedActivities, workflowTime, type GovernedActivities } from './activities.js';
import { loadedWorkflowSchemas, loadWorkflowSchemas, schemasForValidator } from './schemas.js';
import { locationOf, nextRung, swapProblem, type SwapContext } from './swap-rules.js';

/** Swap log entries kept in state, memo and continue-as-new; older ones remain in history. */
const SWAP_LOG_KEEP = 20;

/** Options of `GovernedSeats`: workspace, work unit, freshness policy, cloud consent and workspace-affine routing. */
export interface GovernedSeatsOptions {
  readonly workspace_id: string;
  readonly work_unit: string;
  readonly freshness: FreshnessPolicy;
  /** Consent to send projected context to cloud providers, given at start. */
  readonly cloud_consent: boolean;
  /** Workspace-affine routing (see {@link governedActivities}). */
  readonly workspace_task_queue?: string | undefined;
}

/** A seat with the packs bound for it. */
export interface BoundSeat {
  readonly seat: Seat;
  readonly binding: PackBinding;
}

/** Where a job is, for {@link GovernedSeats.packState}. */
export interface SeatsProgress {
  readonly status: PackState['status'];
  readonly micro_task: string | null;
  /** 0-based position among the work unit's micro-tasks. */
  readonly index: number;
  readonly iteration: number;
  readonly invocations: number;
  readonly listSeats?: boolean;
}

/** Formats zod issues as `field: problem` for an Update validator's refusal. */
function issues(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  return error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
}

/**
 * The seats of one job. Call {@link describe} then {@link bind} for each seat; route swap messages to
 * {@link validateSwap}, {@link swap} and {@link swapFromSignal}; carry {@link carry} across
 * continue-as-new. `onChange` is called after anything the operator view shows has changed.
 */
export class GovernedSeats {
  readonly activities: GovernedActivities;
  description: WorkspaceDescription | undefined;
  freshness: FreshnessDecision | null = null;
  lastDecision: string | null = null;
  swapInFlight: string | undefined;
  swapLog: SwapLogEntry[] = [];
  swapsTotal = 0;
  consent: CloudConsent | null = null;
  onChange: () => void = () => {};
  private readonly seats = new Map<string, BoundSeat>();
  private readonly processed = new Set<string>();

  constructor(
    readonly options: GovernedSeatsOptions,
    carried?: CarriedSeats,
  ) {
    this.activities = governedActivities(options.workspace_task_queue);
    // The library's workflows have loaded the schemas already; a workflow of the user's may not have.
    if (!loadedWorkflowSchemas()) void loadWorkflowSchemas();
    if (carried) {
      this.description = carried.description;
      for (const s of carried.seats) this.seats.set(s.name, { seat: s.seat, binding: s.binding });
      this.freshness = carried.freshness;
      this.processed = new Set(carried.processed_request_ids);
      this.swapLog = [...carried.swap_log];
      this.swapsTotal = carried.swaps_total;
      this.consent = carried.cloud_consent ?? null;
    }
  }

  /** Reads the workspace's roles, ladders and providers once (an activity), for swaps without I/O. */
  async describe(): Promise<WorkspaceDescription> {
    this.description = await this.activities.workspace.describeWorkspace.executeWithOptions(
      { summary: `describe workspace ${this.options.workspace_id}` },
      [{ workspace_id: this.options.workspace_id, work_unit: this.options.work_unit }],
    );
    return this.description;
  }

  /**
   * Binds packs for `seat` under `name`. A model whose context window cannot hold the pack hands the
   * seat to the next rung of its role's ladder before anything is invoked (the token-budget trigger).
   * A seat the work profile does not allow is refused (`SwapRefused`).
   */
  async bind(name: string, seat: Seat, options: { readonly pinned_pack_hash?: string | undefined } = {}): Promise<BindPacksResult> {
    const problem = swapProblem(
      { request_id: 'job-start', target_role: seat.role, model: seat.model, provider: seat.provider, reason: 'swap', requester: 'job-start' },
      { description: this.describedOrThrow(), cloudConsent: this.hasConsent(), processedRequestIds: new Set(), swapInFlight: undefined },
    );
    if (problem) throw wf.ApplicationFailure.nonRetryable(`cannot start the job: ${problem}`, 'SwapRefused');
    let current = seat;
    for (;;) {
      try {
        const bound = await this.activities.workspace.bindPacks.executeWithOptions({ summary: `assemble ${current.role} packs for ${current.model}` }, [
          {
            workspace_id: this.options.workspace_id,
            work_unit: this.options.work_unit,
            role: current.role,
            model: { model: current.model, provider: current.provider },
            freshness: this.options.freshness,
            ...(options.pinned_pack_hash ? { pinned_pack_hash: options.pinned_pack_hash } : {}),
          },
        ]);
        this.seats.set(name, { seat: current, binding: bound.binding });
        this.freshness = bound.freshness;
        this.lastDecision = `bound (${bound.freshness.decision})`;
        return bound;
      } catch (err) {
        const rung = failureType(err) === 'PackBudgetExceeded' ? nextRung(current, this.context()) : undefined;
        if (!rung) throw err;
        this.lastDecision = `${current.model} cannot hold the pack; escalating to ${rung.model}@${rung.provider}`;
        current = { role: current.role, model: rung.model, provider: rung.provider };
      }
    }
  }

  /** The seat bound under `name`; throws when there is none (a bug in the calling workflow). */
  get(name: string): BoundSeat {
    const bound = this.seats.get(name);
    if (!bound) throw wf.ApplicationFailure.nonRetryable(`no seat "${name}" is bound; bind it first`, 'SeatUnbound');
    return bound;
  }

  has(name: string): boolean {
    return this.seats.has(name);
  }

  names(): string[] {
    return [...this.seats.keys()];
  }

  /** Every seat, for the operator view. */
  views(): SeatView[] {
    return [...this.seats].map(([name, { seat, binding }]) => ({ name, seat, binding, location: this.location(seat) }));
  }

  location(seat: Seat): 'local' | 'cloud' {
    return this.description ? locationOf(this.description, seat.provider) : 'local';
  }

  hasConsent(): boolean {
    return this.options.cloud_consent || this.consent !== null;
  }

  /** Records cloud consent once (later grants return the first record). */
  grantConsent(request: CloudConsentRequest): CloudConsent {
    this.consent ??= { granted_by: request.granted_by, at: workflowTime(), ...(request.note ? { note: request.note } : {}) };
    this.onChange();
    return this.consent;
  }

  /** The `grantCloudConsent` Update's validator: parses with the schema, refusing without history. */
  validateConsent(raw: unknown): void {
    const parsed = schemasForValidator().CloudConsentRequest.safeParse(raw);
    if (!parsed.success) throw new Error(`invalid cloud consent: ${issues(parsed.error)}`);
  }

  /**
   * Which seat a swap request is for: the seat holding its target role, else (a one-seat job, which
   * may change role) the only seat. Undefined when no seat can take it.
   */
  seatFor(request: SwapRequest): string | undefined {
    for (const [name, bound] of this.seats) if (bound.seat.role === request.target_role) return name;
    return this.seats.size === 1 ? this.names()[0] : undefined;
  }

  private describedOrThrow(): WorkspaceDescription {
    if (!this.description) throw new Error('the workspace is not described yet');
    return this.description;
  }

  private context(): SwapContext {
    return { description: this.describedOrThrow(), cloudConsent: this.hasConsent(), processedRequestIds: this.processed, swapInFlight: this.swapInFlight };
  }

  private problem(request: SwapRequest): string | undefined {
    const rules = swapProblem(request, this.context());
    if (rules) return rules;
    return this.seatFor(request) === undefined ? `no seat of this job holds role "${request.target_role}"; seats: ${this.names().join(', ')}` : undefined;
  }

  /** Update validator: throwing here rejects the Update with nothing written to history. */
  validateSwap(raw: unknown): void {
    const parsed = schemasForValidator().SwapRequest.safeParse(raw);
    if (!parsed.success) throw new Error(`invalid swap request: ${issues(parsed.error)}`);
    if (!this.description || this.seats.size === 0) throw new Error('the job is still binding its first packs; retry shortly');
    const problem = this.problem(parsed.data);
    if (problem) throw new Error(problem);
  }

  /** The one swap path: Update, Signal and the workflow's own escalations all come through here. */
  async swap(request: SwapRequest, via: SwapLogEntry['via']): Promise<SwapResult> {
    const name = this.seatFor(request);
    const current = name !== undefined ? this.seats.get(name) : undefined;
    if (name === undefined || !current) throw wf.ApplicationFailure.nonRetryable('no packs are bound yet', 'SwapRefused');
    const from = current.seat;
    const to: Seat = { role: request.target_role, model: request.model, provider: request.provider };
    this.swapInFlight = request.request_id;
    const entry = { at: workflowTime(), request_id: request.request_id, via, reason: request.reason, requester: request.requester, from, to };
    try {
      const { binding, result } = await this.activities.workspace.swapPacks.executeWithOptions(
        { summary: `${request.reason} to ${to.role} ${to.model}@${to.provider}` },
        [{ workspace_id: this.options.workspace_id, work_unit: this.options.work_unit, request, current: current.binding, freshness: this.options.freshness }],
      );
      this.seats.set(name, { seat: to, binding });
      this.swapsTotal += 1;
      this.lastDecision = `${request.reason}: ${result.decision}`;
      this.log({
        ...entry,
        outcome: result.decision,
        requested_pack_hash: result.requested_pack_hash,
        effective_pack_hash: result.effective_pack_hash,
        ...(result.rebuild_reasons.length > 0 ? { rebuild_reasons: result.rebuild_reasons } : {}),
      });
      this.onChange();
      return result;
    } catch (err) {
      // The seat and packs in force stay bound: no invocation happens on an unbound target.
      this.log({ ...entry, outcome: 'rejected', error: failureText(err) });
      this.onChange();
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
    const { SwapRequest } = loadedWorkflowSchemas() ?? (await loadWorkflowSchemas());
    const parsed = SwapRequest.safeParse(raw);
    if (!parsed.success) {
      this.logRefusal(undefined, `invalid swap request: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
      return;
    }
    const request = parsed.data;
    const free = () => this.seats.size > 0 && this.swapInFlight === undefined;
    // Re-check after waking: another queued signal may have started its swap in the same activation.
    while (!free()) await wf.condition(free);
    if (this.processed.has(request.request_id)) return; // a duplicate: applied (or refused) once already
    const problem = this.problem(request);
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
    const first = this.seats.values().next().value;
    const seat = (request && this.seats.get(this.seatFor(request) ?? '')?.seat) ?? first?.seat ?? { role: 'unknown', model: 'unknown', provider: 'unknown' };
    this.log({
      at: workflowTime(),
      request_id: request?.request_id ?? '(invalid)',
      via: 'signal',
      reason: request?.reason ?? 'swap',
      requester: request?.requester ?? '(unknown)',
      from: seat,
      to: request ? { role: request.target_role, model: request.model, provider: request.provider } : seat,
      outcome: 'rejected',
      error,
    });
    this.onChange();
  }

  private log(entry: SwapLogEntry): void {
    this.swapLog.push(entry);
    if (this.swapLog.length > SWAP_LOG_KEEP) this.swapLog.splice(0, this.swapLog.length - SWAP_LOG_KEEP);
  }

  private role(name: string) {
    return this.description?.roles.find((r) => r.role_id === this.get(name).seat.role);
  }

  /** The next usable rung above seat `name`'s model in its role's ladder, or undefined at the top. */
  nextRung(name: string): { model: string; provider: string } | undefined {
    return nextRung(this.get(name).seat, this.context());
  }

  maxIterations(name: string): number {
    return this.role(name)?.max_iterations ?? 1;
  }

  escalateAfter(name: string): number {
    return this.role(name)?.escalate_after_failures ?? 1;
  }

  escalatesOn(name: string, providerErrorKind: string): boolean {
    return this.role(name)?.escalate_on_provider_errors?.includes(providerErrorKind) ?? false;
  }

  /** Provider error classes seat `name` escalates on (only with a rung left to escalate to). */
  escalationErrors(name: string): string[] {
    if (!this.nextRung(name)) return [];
    return this.role(name)?.escalate_on_provider_errors ?? [];
  }

  /**
   * Moves seat `name` one rung up its ladder through the swap path (waiting for a swap in flight).
   * Returns undefined, changing nothing, at the top of the ladder.
   */
  async escalate(name: string, requestId: string, requester: string): Promise<SwapResult | undefined> {
    const rung = this.nextRung(name);
    if (!rung) return undefined;
    await wf.condition(() => this.swapInFlight === undefined);
    const { seat } = this.get(name);
    return this.swap({ request_id: requestId, target_role: seat.role, model: rung.model, provider: rung.provider, reason: 'escalation', requester }, 'workflow');
  }

  /** Rebuilds and binds seat `name`'s packs after the bound artifact was lost or damaged. */
  async regenerate(name: string): Promise<void> {
    const { seat, binding } = this.get(name);
    const rebound = await this.activities.workspace.bindPacks.executeWithOptions(
      { summary: `regenerate ${seat.role} packs after a lost or corrupt artifact` },
      [
        {
          workspace_id: this.options.workspace_id,
          work_unit: this.options.work_unit,
          role: seat.role,
          model: { model: seat.model, provider: seat.provider },
          freshness: this.options.freshness,
        },
      ],
    );
    const markers = [...rebound.binding.freshness_markers, `regenerated_after_corruption:${binding.work_unit_pack_hash}`];
    this.seats.set(name, { seat, binding: { ...rebound.binding, freshness_markers: markers } });
    this.lastDecision = 'regenerated packs after a lost or corrupt artifact';
    this.onChange();
  }

  /**
   * The operator view (for `installOperatorView`) with seat `active` as the one at work, before it is
   * bound `fallback`. `listSeats` adds every seat (`seats`), for a job with more than one.
   */
  packState(active: string, fallback: Seat, progress: SeatsProgress): PackState {
    const bound = this.seats.get(active);
    const seat = bound?.seat ?? fallback;
    return {
      status: progress.status,
      workspace_id: this.options.workspace_id,
      job_id: null,
      seat,
      location: this.location(seat),
      cloud_tier: this.description?.providers.find((p) => p.id === seat.provider)?.cloud_tier ?? null,
      cloud_consent: this.hasConsent(),
      cloud_consent_record: this.consent,
      binding: bound?.binding ?? null,
      position: { micro_task: progress.micro_task, index: progress.index, of: this.description?.micro_tasks.length ?? 0, iteration: progress.iteration },
      freshness: this.freshness,
      last_decision: this.lastDecision,
      invocations: progress.invocations,
      swaps_total: this.swapsTotal,
      swap_log: this.swapLog,
      ...(progress.listSeats ? { seats: this.views() } : {}),
    };
  }

  /** Seats, swap dedupe and consent for the next run (continue-as-new). */
  carry(): CarriedSeats {
    return {
      description: this.describedOrThrow(),
      seats: this.views().map(({ name, seat, binding }) => ({ name, seat, binding })),
      freshness: this.freshness,
      processed_request_ids: [...this.processed],
      swap_log: this.swapLog,
      swaps_total: this.swapsTotal,
      cloud_consent: this.consent,
    };
  }
}
